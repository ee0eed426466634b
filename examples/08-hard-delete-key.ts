// Import dependencies
import { EncordUserClient } from '@metaindex/sdk';

const SSH_PATH = process.env.METAINDEX_KEY ?? '/Users/chris/ssh-private-key.txt';

// Authenticate with metaindex using the path to your private key
const userClient = await EncordUserClient.createWithSshPrivateKey({ sshPrivateKeyPath: SSH_PATH });

// Get your metadata schema
const metadataSchema = await userClient.metadataSchema();

// A hard delete is permanent: restoreKey('Fruit') now fails, and the name can never be reused
metadataSchema.deleteKey('Fruit', { hard: true });
await metadataSchema.save();

// Print the schema for verification
console.log(metadataSchema.toString());
