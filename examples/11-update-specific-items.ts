// Import dependencies
import { EncordUserClient } from '@metaindex/sdk';

// Authentication
const SSH_PATH = process.env.METAINDEX_KEY ?? '<private_key_path>';

// Authenticate with metaindex using the path to your private key
const userClient = await EncordUserClient.createWithSshPrivateKey({ sshPrivateKeyPath: SSH_PATH });

// Define a dictionary with item UUIDs and their respective metadata updates, e.g.
// UPDATES='{"<data-unit-id>": {"metadata": "metadata-value"}, "<data-unit-id>": {"metadata": false}}'
const updates = JSON.parse(process.env.UPDATES ?? '{}') as Record<string, Record<string, unknown>>;

// Update the storage items based on the dictionary
for (const [itemUuid, metadataUpdate] of Object.entries(updates)) {
  const item = await userClient.getStorageItem(itemUuid);

  // make a copy of the current metadata and update it with the new metadata
  const currMetadata = { ...item.clientMetadata, ...metadataUpdate };

  // update the item with the new metadata
  await item.update({ clientMetadata: currMetadata });

  // (metaindex can also merge on the server, without reading first:
  //  await item.mergeMetadata(metadataUpdate);)
}
