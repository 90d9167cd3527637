/** Packer's WinRM options: known, so a Windows template is told "not supported yet" rather than "unknown option". */
export const WINRM_OPTION_NAMES = [
  'winrm_username',
  'winrm_password',
  'winrm_host',
  'winrm_no_proxy',
  'winrm_port',
  'winrm_timeout',
  'winrm_use_ssl',
  'winrm_insecure',
  'winrm_use_ntlm',
] as const;
