// Import dependencies
import { EncordUserClient } from '@metaindex/sdk';

// Authentication
const SSH_PATH = process.env.METAINDEX_KEY ?? '<ssh-private-key>';
const FOLDER_HASH = process.env.FOLDER_HASH ?? '<unique-folder-id>';

// Authenticate with metaindex using the path to your private key
const userClient = await EncordUserClient.createWithSshPrivateKey({ sshPrivateKeyPath: SSH_PATH });

const folder = await userClient.getStorageFolder(FOLDER_HASH);

// e.g. UPDATES='{"<data-unit-id>": {"metadata-1": "metadata-value"}, "<data-unit-id>": {"metadata-2": false}}'
const updates = JSON.parse(process.env.UPDATES ?? '{}') as Record<string, Record<string, unknown>>;

// Use a bundle: up to 1,000 updates per request
await userClient.withBundle(async (bundle) => {
  for await (const storageItem of folder.listItems()) {
    // Update the items named in `updates`, keeping their other metadata
    const update = updates[storageItem.uuid];
    if (update === undefined) continue;
    await storageItem.update({ clientMetadata: { ...storageItem.clientMetadata, ...update } }, { bundle });
  }
});
