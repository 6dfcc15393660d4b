export {
  type DecideOperationBody,
  DecideOperationBodySchema,
  DecideOperationPathSchema,
} from '../approve-operation/schema.js';
