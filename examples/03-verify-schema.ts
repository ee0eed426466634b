// Import dependencies
import { EncordUserClient } from '@metaindex/sdk';

const SSH_PATH = process.env.METAINDEX_KEY ?? '<file-path-to-ssh-private-key>';

// Authenticate with metaindex using the path to your private key
const userClient = await EncordUserClient.createWithSshPrivateKey({ sshPrivateKeyPath: SSH_PATH });

// Read the schema
const metadataSchema = await userClient.metadataSchema();

// Print the schema for verification
console.log(metadataSchema.toString());
