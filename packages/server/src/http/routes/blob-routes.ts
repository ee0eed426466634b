import type { FastifyInstance } from 'fastify';
import type { Readable } from 'node:stream';
import type { AppServices } from '../app.js';

/**
 * The files behind signed URLs. No request signature here: the URL's own HMAC and
 * expiry are the authorisation, as with any cloud bucket's signed URL.
 */
export function registerBlobRoutes(app: FastifyInstance, { uploads }: AppServices): void {
  app.put('/blobs/*', async (request, reply) => {
    // A JSON content type was buffered by the JSON parser; anything else is a stream.
    const body = request.rawBody ?? (request.body as Readable);
    await uploads.receiveBlob(request.raw.url ?? request.url, body);
    // The SDK accepts exactly 200 for the upload PUT.
    return reply.status(200).send();
  });

  app.get('/blobs/*', async (request, reply) => {
    const stream = await uploads.openBlob(request.raw.url ?? request.url);
    return reply.type('application/octet-stream').send(stream);
  });
}
