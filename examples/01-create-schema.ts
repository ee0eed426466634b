// Import dependencies
import { EncordUserClient } from '@metaindex/sdk';

const SSH_PATH = process.env.METAINDEX_KEY ?? '<file-path-to-ssh-private-key>';

// Authenticate with metaindex using the path to your private key (the server is METAINDEX_URL)
const userClient = await EncordUserClient.createWithSshPrivateKey({ sshPrivateKeyPath: SSH_PATH });

// Create the schema
const metadataSchema = await userClient.metadataSchema();

// Add various metadata fields
metadataSchema.addScalar('metadata_1', { dataType: 'boolean' });
metadataSchema.addScalar('metadata_2', { dataType: 'datetime' });
metadataSchema.addScalar('metadata_3', { dataType: 'number' });
metadataSchema.addScalar('metadata_4', { dataType: 'uuid' });
metadataSchema.addScalar('metadata_5', { dataType: 'varchar' });
metadataSchema.addScalar('metadata_6', { dataType: 'text' });

// Add an enum field
metadataSchema.addEnum('my-enum', { values: ['enum-value-01', 'enum-value-02', 'enum-value-03'] });

// Add embedding fields
metadataSchema.addEmbedding('my-test-active-embedding', { size: 512 });
metadataSchema.addEmbedding('my-test-index-embedding', { size: 1024 }); // any size from 1 to 4096

// Save the schema
await metadataSchema.save();

// Print the schema for verification
console.log(metadataSchema.toString());
