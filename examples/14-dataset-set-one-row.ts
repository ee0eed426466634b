// Import dependencies
import { DatasetAccessSettings, EncordUserClient } from '@metaindex/sdk';

// Authenticate with metaindex using the path to your private key
const client = await EncordUserClient.createWithSshPrivateKey({
  sshPrivateKeyPath: process.env.METAINDEX_KEY ?? '<private_key_path>',
});

// Specify a dataset to read or write metadata to
const dataset = await client.getDataset(process.env.DATASET_HASH ?? '<dataset_hash>');

// Fetch the dataset's metadata
await dataset.setAccessSettings(new DatasetAccessSettings({ fetchClientMetadata: true }));

// Add metadata to a specific data unit (DATA_UNIT: the number of the data unit)
const dataRow = dataset.dataRows[Number(process.env.DATA_UNIT ?? 0)];
if (dataRow === undefined) throw new Error('The dataset has no such data unit');

// Replace {my: 'metadata'} with the metadata you want to add
dataRow.clientMetadata = { my: 'metadata' };
await dataRow.save();
console.log(dataRow.clientMetadata);
