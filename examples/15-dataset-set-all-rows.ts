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

// Add metadata to all data units in the dataset.
// Replace {my: 'metadata'} with the metadata you want to add
for (const [dataUnit, dataRow] of dataset.dataRows.entries()) {
  dataRow.clientMetadata = { my: 'metadata' };
  await dataRow.save();
  console.log(`${JSON.stringify(dataRow.clientMetadata)} - Data Unit: ${dataUnit}`);
}
