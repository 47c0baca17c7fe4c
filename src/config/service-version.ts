import { version } from '../../package.json';

/** The service's version, from package.json (compiled in, so it holds however it is started). */
export const SERVICE_VERSION: string = version;
