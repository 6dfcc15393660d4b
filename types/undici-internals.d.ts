// The undici files shared/http/request.ts loads instead of undici's index; their shapes are the index's own.
declare module 'undici/lib/api/api-request.js' {
  import type { Dispatcher } from 'undici';

  function request(this: Dispatcher, options: Dispatcher.RequestOptions): Promise<Dispatcher.ResponseData>;
  export default request;
}
declare module 'undici/lib/core/errors.js' {
  import type { errors } from 'undici';
  export const UndiciError: typeof errors.UndiciError;
}
declare module 'undici/lib/global.js' {
  export { getGlobalDispatcher } from 'undici';
}
