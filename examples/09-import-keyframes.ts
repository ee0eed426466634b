// Import dependencies
import { EncordUserClient } from '@metaindex/sdk';

// Authentication
const SSH_PATH = process.env.METAINDEX_KEY ?? '<private_key_path>';

// Authenticate with metaindex using the path to your private key
const userClient = await EncordUserClient.createWithSshPrivateKey({ sshPrivateKeyPath: SSH_PATH });

// Define a dictionary with item UUIDs and their keyframes updates, e.g.
// UPDATES='{"<data-unit-id>": {"keyframes": [13, 17, 19]}, "<data-unit-id>": {"keyframes": [2, 4]}}'
const updates = JSON.parse(process.env.UPDATES ?? '{}') as Record<string, { keyframes: number[] }>;

// Update the storage items based on the dictionary
for (const [itemUuid, metadataUpdate] of Object.entries(updates)) {
  const item = await userClient.getStorageItem(itemUuid);

  // make a copy of the current metadata and update it with the new metadata
  const currMetadata = item.clientMetadata;
  Object.assign(currMetadata, metadataUpdate);

  // update the item with the new metadata
  await item.update({ clientMetadata: currMetadata });
}
