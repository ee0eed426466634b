// Import dependencies
import { EncordUserClient } from '@metaindex/sdk';

// Authentication
const SSH_PATH = process.env.METAINDEX_KEY ?? '<file-path-to-ssh-private-key-file>';
const FOLDER_HASH = process.env.FOLDER_HASH ?? '<unique-folder-id>';

// Authenticate with metaindex using the path to your private key
const userClient = await EncordUserClient.createWithSshPrivateKey({ sshPrivateKeyPath: SSH_PATH });

const folder = await userClient.getStorageFolder(FOLDER_HASH);
const items = folder.listItems();

// This OVERWRITES all existing custom metadata on every item in the folder
for await (const item of items) {
  await item.update({ clientMetadata: { metadata: 'value', 'metadata-2': 'value' } });
}
