export { connectPop3, Pop3Session, type Pop3MessageInfo, type Pop3Options, type Pop3UidInfo } from './client.js';
