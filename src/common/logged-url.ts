/** URLs as the service shows them, in log lines and in spans: query credentials redacted. */
export const REDACTED = '[redacted]';

/** Query parameter names that may carry a credential (`api_key`, `token`, `X-API-Key`, ...). */
const SECRET_PARAMETER = /key|token|secret|passw|auth|sig|session|cookie|credential/i;

function decodedName(raw: string): string {
  try {
    return decodeURIComponent(raw.replaceAll('+', ' '));
  } catch {
    return raw;
  }
}

/**
 * The URL as logged: the path as sent, and the query string with the value of every
 * parameter whose name could carry a credential replaced by `[redacted]`. A client that
 * sends its key as `?api_key=...` (the service reads keys from headers only) does not
 * find it in the logs.
 */
export function loggedUrl(url: string | undefined): string {
  if (url === undefined) return '';
  const query = url.indexOf('?');
  if (query === -1) return url;
  const parameters = url
    .slice(query + 1)
    .split('&')
    .map((parameter) => {
      const equals = parameter.indexOf('=');
      const name = equals === -1 ? parameter : parameter.slice(0, equals);
      return SECRET_PARAMETER.test(decodedName(name)) ? `${name}=${REDACTED}` : parameter;
    });
  return `${url.slice(0, query)}?${parameters.join('&')}`;
}
