// Import dependencies
import { EncordUserClient } from '@metaindex/sdk';

const SSH_PATH = process.env.METAINDEX_KEY ?? '/Users/chris/ssh-private-key.txt';

// Authenticate with metaindex using the path to your private key
const userClient = await EncordUserClient.createWithSshPrivateKey({ sshPrivateKeyPath: SSH_PATH });

// Get your metadata schema
const metadataSchema = await userClient.metadataSchema();

// Edit various metadata fields
metadataSchema.setScalar('metadata_1', { dataType: 'number' });
metadataSchema.setScalar('metadata_2', { dataType: 'boolean' });
metadataSchema.setScalar('metadata_3', { dataType: 'boolean' });

// Save the changes (the Python snippet only prints, so its edits never reach the server)
await metadataSchema.save();

// Print the schema for verification
console.log(metadataSchema.toString());
