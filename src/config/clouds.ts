import type { Cloud } from './resource.js';

/** The hosts of one Microsoft 365 cloud instance. */
export interface CloudHosts {
  /** Entra ID authority (the sign-in and token host). */
  login: string;
  /** Exchange Online: IMAP, POP3 and EWS host; also the App ID URI of the Outlook resource. */
  outlook: string;
  /** Exchange Online SMTP AUTH client submission host. */
  smtp: string;
  /** Microsoft Graph root; also Graph's App ID URI. */
  graph: string;
}

/**
 * Microsoft 365 national clouds.
 * Sources:
 * - login and Graph hosts: learn.microsoft.com/graph/deployments ("App registration and token
 *   service root endpoints", "Microsoft Graph and Graph Explorer service root endpoints"):
 *   login.microsoftonline.us for US Government, login.chinacloudapi.cn for 21Vianet;
 *   graph.microsoft.us (L4 / GCC High), dod-graph.microsoft.us (L5 / DoD),
 *   microsoftgraph.chinacloudapi.cn (21Vianet).
 * - Exchange Online hosts: outlook.office365.us (GCC High), outlook-dod.office365.us (DoD),
 *   partner.outlook.cn (21Vianet), as used by Microsoft's own Exchange scripts
 *   ($exchangeOnlineEndpoint per environment) and by EmailEngine's provider table.
 * - SMTP: smtp.office365.us (GCC High) and smtp.partner.outlook.cn (21Vianet) are the hosts
 *   in common use; for DoD no separate SMTP host is documented, EmailEngine submits to
 *   outlook-dod.office365.us, so we do too. [unverified at Microsoft: override with --host]
 */
export const CLOUD_HOSTS: Record<Cloud, CloudHosts> = {
  global: {
    login: 'login.microsoftonline.com',
    outlook: 'outlook.office365.com',
    smtp: 'smtp.office365.com',
    graph: 'graph.microsoft.com',
  },
  usgovhigh: {
    login: 'login.microsoftonline.us',
    outlook: 'outlook.office365.us',
    smtp: 'smtp.office365.us',
    graph: 'graph.microsoft.us',
  },
  dod: {
    login: 'login.microsoftonline.us',
    outlook: 'outlook-dod.office365.us',
    smtp: 'outlook-dod.office365.us',
    graph: 'dod-graph.microsoft.us',
  },
  china: {
    login: 'login.chinacloudapi.cn',
    outlook: 'partner.outlook.cn',
    smtp: 'smtp.partner.outlook.cn',
    graph: 'microsoftgraph.chinacloudapi.cn',
  },
};

/** Every Entra ID login host, to recognise a Microsoft token endpoint in any cloud. */
export const MICROSOFT_LOGIN_HOSTS: readonly string[] = [
  ...new Set([...Object.values(CLOUD_HOSTS).map((c) => c.login), 'login.partner.microsoftonline.cn', 'login.windows.net']),
];
