import { sharedDeps } from '../../shared/create-deps.js';
import { httpHandler } from '../../shared/edge/http-handler.js';
import { openApiDocument } from './document.js';

/** Built once per cold start: it only changes with a deployment. */
const document = openApiDocument();

/** GET /v1/openapi.json: the API's contract, public so bots can generate clients before they hold a key. */
export const handler = httpHandler(
  {
    scope: 'public',
    async handle() {
      return { status: 200, body: document };
    },
  },
  sharedDeps,
);
