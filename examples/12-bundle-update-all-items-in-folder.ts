// Import dependencies
import { EncordUserClient } from '@metaindex/sdk';

// Authentication
const SSH_PATH = process.env.METAINDEX_KEY ?? '<ssh-private-key>';
const FOLDER_HASH = process.env.FOLDER_HASH ?? '<unique-folder-id>';

// Authenticate with metaindex using the path to your private key
const userClient = await EncordUserClient.createWithSshPrivateKey({ sshPrivateKeyPath: SSH_PATH });

const folder = await userClient.getStorageFolder(FOLDER_HASH);
const items = folder.listItems();

// Use a bundle: up to 1,000 updates per request; sent when the callback returns, nothing sent if it throws
await userClient.withBundle(async (bundle) => {
  for await (const item of items) {
    // Update each item with client metadata (this OVERWRITES the item's metadata)
    await item.update({ clientMetadata: { 'metadata-1': 'value', 'metadata-2': false } }, { bundle });
  }
});
