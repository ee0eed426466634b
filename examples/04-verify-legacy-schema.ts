// Import dependencies
import { EncordUserClient } from '@metaindex/sdk';

const SSH_PATH = process.env.METAINDEX_KEY ?? '<file-path-to-ssh-private-key>';

// Authenticate with metaindex using the path to your private key
const userClient = await EncordUserClient.createWithSshPrivateKey({ sshPrivateKeyPath: SSH_PATH });

const schema = await userClient.getClientMetadataSchema();

console.log(schema);
