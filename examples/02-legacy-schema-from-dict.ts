// Import dependencies
import { EncordUserClient } from '@metaindex/sdk';

const SSH_PATH = process.env.METAINDEX_KEY ?? '<file-path-to-ssh-private-key>';

// Authenticate with metaindex using the path to your private key
const userClient = await EncordUserClient.createWithSshPrivateKey({ sshPrivateKeyPath: SSH_PATH });

// The legacy type names: number, string, boolean, datetime, geospatial, enum, embedding, long_string
await userClient.setClientMetadataSchemaFromDict({
  metadata_1: 'number',
  metadata_2: 'string',
  metadata_3: 'boolean',
});
