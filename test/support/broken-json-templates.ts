/**
 * Each case is a broken template with `@@` where the error must point, and the words the
 * message must contain. Every case must produce exactly that error at exactly that place.
 */
export const cases: [name: string, template: string, message: string][] = [
  ['trailing comma', '{"builders": [{"type": "null"}],@@}', 'invalid JSON'],
  ['single-quoted string', '{"builders": [{"type": @@\'null\'}]}', 'unexpected character'],
  [
    'missing comma between entries',
    '{"builders": [{"type": "null"}]\n @@"variables": {}}',
    'expected "," between entries',
  ],
  ['unterminated object', '{"builders": [{"type": "null"}]@@', 'expected "}" to close the object'],
  [
    'unknown top-level key',
    '{"builders": [{"type": "null"}], @@"provisoners": []}',
    'unknown option "provisoners"'.replace('provisioners', 'provisoners'),
  ],
  ['builders missing', '@@{"variables": {}}', 'missing required option "builders"'],
  ['builders not a list', '{"builders": @@{"type": "null"}}', 'must be a list'],
  ['empty builders', '{"builders": @@[]}', 'needs at least 1 item'],
  ['builder without type', '{"builders": [@@{"name": "x"}]}', 'missing required option "type"'],
  ['builder type is a number', '{"builders": [{"type": @@3}]}', 'unknown builder type "3"'],
  ['unknown builder type', '{"builders": [{"type": @@"nul"}]}', 'unknown builder type "nul"'],
  [
    'builder not supported yet',
    '{"builders": [{"type": @@"hyperv-iso"}]}',
    'builder type "hyperv-iso" is not supported by boxwright yet',
  ],
  [
    'vmware-iso: unknown disk adapter',
    '{"builders": [{"type": "vmware-iso", "iso_url": "x.iso", "iso_checksum": "none", "communicator": "none", "disk_adapter_type": @@"scsi"}]}',
    'is not allowed here',
  ],
  [
    'vmware-iso: disk_type_id out of range',
    '{"builders": [{"type": "vmware-iso", "iso_url": "x.iso", "iso_checksum": "none", "communicator": "none", "disk_type_id": @@"7"}]}',
    'is not allowed here',
  ],
  [
    'vmware-iso: disk_type_id for ESXi',
    '{"builders": [{"type": "vmware-iso", "iso_url": "x.iso", "iso_checksum": "none", "communicator": "none", "disk_type_id": @@"4"}]}',
    'disk_type_id 4 (preallocated ESX-type) is for ESXi',
  ],
  [
    'vmware-iso: NVMe on old hardware',
    '{"builders": [{"type": "vmware-iso", "iso_url": "x.iso", "iso_checksum": "none", "communicator": "none", "version": "9", "disk_adapter_type": @@"nvme"}]}',
    'an NVMe disk needs virtual hardware version 13',
  ],
  [
    'vmware-iso: remote ESXi build',
    '{"builders": [{"type": "vmware-iso", "iso_url": "x.iso", "iso_checksum": "none", "communicator": "none", "remote_host": @@"esxi.example.com"}]}',
    '"remote_host" is not supported by boxwright yet',
  ],
  [
    'vmware-vmx without source_path',
    '{"builders": [@@{"type": "vmware-vmx", "communicator": "none"}]}',
    'missing required option "source_path"',
  ],
  [
    'vmware-vmx source not a .vmx',
    '{"builders": [{"type": "vmware-vmx", "communicator": "none", "source_path": @@"base.ova"}]}',
    'is not a .vmx file',
  ],
  [
    'docker: commit and discard together',
    '{"builders": [{"type": "docker", "image": "debian", "commit": true, "discard": @@true}]}',
    '"commit" and "discard" cannot be used together',
  ],
  ['docker: nothing to keep', '{"builders": [@@{"type": "docker", "image": "debian"}]}', 'say what to keep'],
  ['docker: no image', '{"builders": [@@{"type": "docker", "commit": true}]}', 'missing required option "image"'],
  [
    'docker: unknown run_command flag',
    '{"builders": [{"type": "docker", "image": "debian", "commit": true, "run_command": ["-d", @@"--pids-limit=5", "{{.Image}}"]}]}',
    'does not support the docker run flag "--pids-limit"',
  ],
  [
    'docker: run_command without an image',
    '{"builders": [{"type": "docker", "image": "debian", "commit": true, "run_command": ["-d", @@"-i"]}]}',
    'run_command names no image',
  ],
  [
    'docker: unknown field in run_command',
    '{"builders": [{"type": "docker", "image": "debian", "commit": true, "run_command": ["-d", "{{@@.Imag}}"]}]}',
    'Imag',
  ],
  [
    'docker: a change commit cannot apply',
    '{"builders": [{"type": "docker", "image": "debian", "commit": true, "changes": [@@"RUN apt-get update"]}]}',
    'is not a change docker commit can apply',
  ],
  [
    'docker-tag: repository with a tag',
    '{"builders": [{"type": "docker", "image": "debian", "commit": true}], "post-processors": [{"type": "docker-tag", "repository": @@"app:1.0"}]}',
    'includes a tag',
  ],
  [
    'docker-tag after a discarded build',
    '{"builders": [{"type": "docker", "image": "debian", "discard": true}], "post-processors": [{"type": @@"docker-tag", "repository": "app"}]}',
    'cannot take what build "docker" gives it: nothing',
  ],
  [
    'docker-import after a committed image',
    '{"builders": [{"type": "docker", "image": "debian", "commit": true}], "post-processors": [{"type": @@"docker-import", "repository": "app"}]}',
    'cannot take what build "docker" gives it: a Docker image',
  ],
  [
    'docker-push with ecr_login',
    '{"builders": [{"type": "docker", "image": "debian", "commit": true}], "post-processors": [[{"type": "docker-tag", "repository": "r.example.com/app"}, {"type": "docker-push", "ecr_login": @@true}]]}',
    '"ecr_login" is not supported',
  ],
  ['duplicate build names', '{"builders": [{"type": "null"}, @@{"type": "null"}]}', 'a second build is named "null"'],
  [
    'unknown builder option',
    '{"builders": [{"type": "file", "target": "t", "content": "", @@"contnet": "x"}]}',
    'unknown option "contnet"',
  ],
  ['missing builder option', '{"builders": [@@{"type": "file", "content": "x"}]}', 'missing required option "target"'],
  [
    'file builder with source and content',
    '{"builders": [{"type": "file", "target": "t", "source": "template.json", "content": @@"x"}]}',
    '"source" and "content" cannot be used together',
  ],
  [
    'file builder source missing',
    '{"builders": [{"type": "file", "target": "t", "source": @@"nope.txt"}]}',
    '"nope.txt" does not exist',
  ],
  [
    'ssh without a host',
    '{"builders": [@@{"type": "null", "communicator": "ssh", "ssh_username": "u", "ssh_password": "p"}]}',
    'missing required option "ssh_host"',
  ],
  [
    'ssh without a way to log in',
    '{"builders": [@@{"type": "null", "ssh_host": "127.0.0.1", "ssh_username": "u"}]}',
    'no way to log in',
  ],
  [
    'ssh key file missing',
    '{"builders": [{"type": "null", "ssh_host": "h", "ssh_username": "u", "ssh_private_key_file": @@"nokey"}]}',
    '"nokey" does not exist',
  ],
  [
    'ssh key file that is not a key',
    '{"builders": [{"type": "null", "ssh_host": "h", "ssh_username": "u", "ssh_private_key_file": @@"package.json"}]}',
    '"package.json" is not a private key boxwright can use',
  ],
  [
    'ssh port out of range',
    '{"builders": [{"type": "null", "ssh_host": "h", "ssh_username": "u", "ssh_password": "p", "ssh_port": @@70000}]}',
    'must be <= 65535',
  ],
  [
    'ssh transfer method unknown',
    '{"builders": [{"type": "null", "ssh_host": "h", "ssh_username": "u", "ssh_password": "p", "ssh_file_transfer_method": @@"ftp"}]}',
    'the string "ftp" is not allowed here',
  ],
  [
    'null builder unknown communicator',
    '{"builders": [{"type": "null", "communicator": @@"winrn"}]}',
    'is not allowed here',
  ],
  ['variables not an object', '{"variables": @@["a"], "builders": [{"type": "null"}]}', 'must be an object'],
  [
    'variable default is a list',
    '{"variables": {"a": @@[1]}, "builders": [{"type": "null"}]}',
    'must be a string or a number or true or false or null',
  ],
  [
    'required variable without value',
    '{"variables": {@@"region": null}, "builders": [{"type": "null"}]}',
    'required variable "region" has no value',
  ],
  [
    'sensitive variable not declared',
    '{"variables": {"a": "1"}, "sensitive-variables": [@@"b"], "builders": [{"type": "null"}]}',
    '"b" is listed as sensitive but is not declared',
  ],
  [
    'env outside variables',
    '{"builders": [{"type": "file", "target": "t", "content": "{{@@env `HOME`}}"}]}',
    'env may only be used in the default value of a variable',
  ],
  [
    'unknown function',
    '{"builders": [{"type": "file", "target": "t", "content": "{{ @@timestmp }}"}]}',
    'unknown function "timestmp"',
  ],
  ['unclosed action', '{"builders": [{"type": "file", "target": "t", "content": "{{ timestamp"}]}', 'unclosed action'],
  [
    'unknown field',
    '{"builders": [{"type": "file", "target": "t", "content": "{{ @@.HTTPIPP }}"}]}',
    'unknown field .HTTPIPP',
  ],
  [
    'late field where it is not filled in',
    '{"builders": [{"type": "null"}], "provisioners": [{"type": "shell-local", "inline": ["{{ @@.Script }}"]}]}',
    '.Script is not available in this option',
  ],
  [
    'wrong arity',
    '{"builders": [{"type": "file", "target": "t", "content": "{{ @@split `a` }}"}]}',
    'split takes 3 argument(s), got 1',
  ],
  [
    'provisioners not a list',
    '{"builders": [{"type": "null"}], "provisioners": @@{"type": "shell-local"}}',
    'must be a list',
  ],
  [
    'provisioner without type',
    '{"builders": [{"type": "null"}], "provisioners": [@@{"inline": ["x"]}]}',
    'missing required option "type"',
  ],
  [
    'unknown provisioner type',
    '{"builders": [{"type": "null"}], "provisioners": [{"type": @@"shel-local", "inline": ["x"]}]}',
    'unknown provisioner type "shel-local"',
  ],
  [
    'provisioner not supported yet',
    '{"builders": [{"type": "null"}], "provisioners": [{"type": @@"chef-solo", "cookbook_paths": ["x"]}]}',
    'provisioner type "chef-solo" is not supported by boxwright yet',
  ],
  [
    'shell-local inline not a list',
    '{"builders": [{"type": "null"}], "provisioners": [{"type": "shell-local", "inline": @@"echo hi"}]}',
    'must be a list',
  ],
  [
    'shell-local with nothing to run',
    '{"builders": [{"type": "null"}], "provisioners": [@@{"type": "shell-local"}]}',
    'needs one of "command", "inline", "script" or "scripts"',
  ],
  [
    'shell-local inline and script',
    '{"builders": [{"type": "null"}], "provisioners": [{"type": "shell-local", "inline": ["x"], "script": @@"template.json"}]}',
    '"inline" and "script" cannot be used together',
  ],
  [
    'shell-local script missing',
    '{"builders": [{"type": "null"}], "provisioners": [{"type": "shell-local", "scripts": ["template.json", @@"missing.sh"]}]}',
    'script "missing.sh" does not exist',
  ],
  [
    'shell-local environment_vars malformed',
    '{"builders": [{"type": "null"}], "provisioners": [{"type": "shell-local", "inline": ["x"], "environment_vars": ["A=1", @@"B"]}]}',
    '"B" is not KEY=VALUE',
  ],
  [
    'shell-local valid_exit_codes not numbers',
    '{"builders": [{"type": "null"}], "provisioners": [{"type": "shell-local", "inline": ["x"], "valid_exit_codes": [@@"zero"]}]}',
    'must be a whole number',
  ],
  [
    'shell-local only_on unknown OS',
    '{"builders": [{"type": "null"}], "provisioners": [{"type": "shell-local", "inline": ["x"], "only_on": [@@"linuxx"]}]}',
    '"linuxx" is not an operating system name',
  ],
  [
    'pause_before not a duration',
    '{"builders": [{"type": "null"}], "provisioners": [{"type": "shell-local", "inline": ["x"], "pause_before": @@"10 seconds"}]}',
    'is not a duration',
  ],
  [
    'timeout not a duration',
    '{"builders": [{"type": "null"}], "provisioners": [{"type": "shell-local", "inline": ["x"], "timeout": @@"soon"}]}',
    'is not a duration',
  ],
  [
    'max_retries negative',
    '{"builders": [{"type": "null"}], "provisioners": [{"type": "shell-local", "inline": ["x"], "max_retries": @@-1}]}',
    'max_retries must be a whole number, 0 or more',
  ],
  [
    'reproducible not a boolean',
    '{"builders": [{"type": "null"}], "provisioners": [{"type": "shell-local", "inline": ["x"], "reproducible": @@"no"}]}',
    'must be true or false, not',
  ],
  [
    'only names a missing build',
    '{"builders": [{"type": "null"}], "provisioners": [{"type": "shell-local", "inline": ["x"], "only": [@@"nul"]}]}',
    '"only" names build "nul", but there is no such build',
  ],
  [
    'except names a missing build',
    '{"builders": [{"type": "null"}], "provisioners": [{"type": "shell-local", "inline": ["x"], "except": [@@"docker"]}]}',
    '"except" names build "docker"',
  ],
  [
    'override names a missing build',
    '{"builders": [{"type": "null"}], "provisioners": [{"type": "shell-local", "inline": ["x"], "override": {@@"vbox": {"inline": ["y"]}}}]}',
    '"override" names build "vbox"',
  ],
  [
    'override with a bad option',
    '{"builders": [{"type": "null"}], "provisioners": [{"type": "shell-local", "inline": ["x"], "override": {"null": {@@"inlin": ["y"]}}}]}',
    'unknown option "inlin"',
  ],
  [
    'post-processor of a wrong shape',
    '{"builders": [{"type": "null"}], "post-processors": [@@42]}',
    'a post-processor must be a type name',
  ],
  [
    'post-processor chains nested too deep',
    '{"builders": [{"type": "null"}], "post-processors": [[@@["manifest"]]]}',
    'a post-processor must be a type name',
  ],
  [
    'unknown post-processor type',
    '{"builders": [{"type": "null"}], "post-processors": [@@"manifets"]}',
    'unknown post-processor type "manifets"',
  ],
  [
    'post-processor not supported yet',
    '{"builders": [{"type": "null"}], "post-processors": [{"type": @@"vsphere"}]}',
    'post-processor type "vsphere" is not supported by boxwright yet',
  ],
  [
    'vagrant box of a build with no files',
    '{"builders": [{"type": "null"}], "post-processors": [{"type": @@"vagrant"}]}',
    'post-processor "vagrant" cannot take what build "null" gives it',
  ],
  [
    'vagrant compression level out of range',
    '{"builders": [{"type": "qemu", "iso_url": "x.iso", "iso_checksum": "none", "ssh_username": "u", "ssh_password": "p"}], "post-processors": [{"type": "vagrant", "compression_level": @@10}]}',
    'must be <= 9',
  ],
  [
    'qemu cd_files path missing',
    '{"builders": [{"type": "qemu", "iso_url": "x.iso", "iso_checksum": "none", "cd_files": [@@"seed/user-data"], "ssh_username": "u", "ssh_password": "p"}]}',
    '"seed/user-data" does not exist',
  ],
  [
    'virtualbox-ovf without source_path',
    '{"builders": [@@{"type": "virtualbox-ovf", "checksum": "none", "ssh_username": "u"}]}',
    'missing required option "source_path"',
  ],
  [
    'virtualbox-ovf source is a disk',
    '{"builders": [{"type": "virtualbox-ovf", "source_path": @@"disk.vmdk", "checksum": "none", "ssh_username": "u"}]}',
    '"disk.vmdk" is not an .ovf or .ova file',
  ],
  [
    'virtualbox-iso unknown disk interface',
    '{"builders": [{"type": "virtualbox-iso", "iso_url": "x.iso", "iso_checksum": "none", "hard_drive_interface": @@"usb", "ssh_username": "u"}]}',
    'the string "usb" is not allowed here',
  ],
  [
    'virtualbox-iso empty vboxmanage command',
    '{"builders": [{"type": "virtualbox-iso", "iso_url": "x.iso", "iso_checksum": "none", "vboxmanage": [@@[]], "ssh_username": "u"}]}',
    'an empty VBoxManage command',
  ],
  [
    'virtualbox-iso late field where none is allowed',
    '{"builders": [{"type": "virtualbox-iso", "iso_url": "x.iso", "iso_checksum": "none", "vm_name": "{{ @@.HTTPPort }}", "ssh_username": "u"}]}',
    'HTTPPort',
  ],
  [
    'qemu floppy file missing',
    '{"builders": [{"type": "qemu", "iso_url": "x.iso", "iso_checksum": "none", "floppy_files": [@@"ks.cfg"], "ssh_username": "u", "ssh_password": "p"}]}',
    '"ks.cfg" does not exist',
  ],
  [
    'floppy label too long for FAT',
    '{"builders": [{"type": "virtualbox-iso", "iso_url": "x.iso", "iso_checksum": "none", "floppy_label": @@"answers-for-windows", "ssh_username": "u"}]}',
    'must NOT have more than 11 characters',
  ],
  [
    'qemu firmware file missing',
    '{"builders": [{"type": "qemu", "iso_url": "x.iso", "iso_checksum": "none", "firmware": @@"bios-256k.bin.missing", "ssh_username": "u", "ssh_password": "p"}]}',
    'the firmware file "bios-256k.bin.missing" does not exist',
  ],
  [
    'qemu firmware with efi_boot',
    '{"builders": [{"type": "qemu", "iso_url": "x.iso", "iso_checksum": "none", "efi_boot": true, "firmware": @@"/usr/share/OVMF/OVMF_CODE.fd", "ssh_username": "u", "ssh_password": "p"}]}',
    '"firmware" and "efi_boot" cannot be used together',
  ],
  [
    'qemu OVMF code file missing',
    '{"builders": [{"type": "qemu", "iso_url": "x.iso", "iso_checksum": "none", "efi_firmware_code": @@"/opt/ovmf/CODE.fd", "efi_firmware_vars": "/usr/share/OVMF/OVMF_VARS.fd", "ssh_username": "u", "ssh_password": "p"}]}',
    '"/opt/ovmf/CODE.fd" does not exist',
  ],
  [
    'qemu VNC port below 5900',
    '{"builders": [{"type": "qemu", "iso_url": "x.iso", "iso_checksum": "none", "vnc_port_min": @@5800, "ssh_username": "u", "ssh_password": "p"}]}',
    'must be >= 5900',
  ],
  [
    'qemu VNC ports the wrong way round',
    '{"builders": [{"type": "qemu", "iso_url": "x.iso", "iso_checksum": "none", "vnc_port_min": @@5990, "vnc_port_max": 5950, "ssh_username": "u", "ssh_password": "p"}]}',
    'vnc_port_min (5990) is above vnc_port_max (5950)',
  ],
  [
    'qemu without iso_checksum',
    '{"builders": [@@{"type": "qemu", "iso_url": "x.iso", "ssh_username": "u", "ssh_password": "p"}]}',
    'missing required option "iso_checksum"',
  ],
  [
    'qemu disk size unreadable',
    '{"builders": [{"type": "qemu", "iso_url": "x.iso", "iso_checksum": "none", "disk_size": @@"huge", "ssh_username": "u", "ssh_password": "p"}]}',
    '"huge" is not a disk size',
  ],
  [
    'qemu boot command with a bad wait',
    '{"builders": [{"type": "qemu", "iso_url": "x.iso", "iso_checksum": "none", "boot_command": @@["<waitx>"], "ssh_username": "u", "ssh_password": "p"}]}',
    '<waitx> is not a wait',
  ],
  [
    'post-processor that cannot take the artifact',
    '{"builders": [{"type": "null"}], "post-processors": [{"type": @@"checksum"}]}',
    'post-processor "checksum" cannot take what build "null" gives it',
  ],
  [
    'post-processor option of a wrong type',
    '{"builders": [{"type": "null"}], "post-processors": [{"type": "manifest", "strip_path": @@"yes"}]}',
    'must be true or false',
  ],
  [
    'keep_input_artifact not a boolean',
    '{"builders": [{"type": "null"}], "post-processors": [{"type": "manifest", "keep_input_artifact": @@"no"}]}',
    'must be true or false',
  ],
  [
    'checksum type unknown',
    '{"builders": [{"type": "file", "target": "t", "content": ""}], "post-processors": [{"type": "checksum", "checksum_types": [@@"sha257"]}]}',
    'the string "sha257" is not allowed here',
  ],
  [
    'error-cleanup-provisioner without type',
    '{"builders": [{"type": "null"}], "error-cleanup-provisioner": @@{"inline": ["x"]}}',
    'missing required option "type"',
  ],
  [
    'breakpoint option misspelled',
    '{"builders": [{"type": "null"}], "provisioners": [{"type": "breakpoint", @@"nots": "x"}]}',
    'unknown option "nots"',
  ],
  [
    'ansible-local without a playbook',
    '{"builders": [{"type": "null"}], "provisioners": [@@{"type": "ansible-local", "playbook_dir": "."}]}',
    'needs "playbook_file" or "playbook_files"',
  ],
  [
    'ansible-local role path that is a file',
    '{"builders": [{"type": "null"}], "provisioners": [{"type": "ansible-local", "playbook_file": "package.json", "role_paths": [@@"package.json"]}]}',
    '"package.json" is a file, not a directory',
  ],
  [
    'ansible without Ansible on this host',
    '{"builders": [{"type": "null"}], "provisioners": [{"type": "ansible", "playbook_file": "package.json", "command": @@"no-such-ansible-playbook"}]}',
    '"no-such-ansible-playbook" was not found on this host',
  ],
  ['push section', '{"builders": [{"type": "null"}], @@"push": {}}', 'unknown option "push"'],
  ['template is not an object', '@@["builders"]', 'a template must be a JSON object'],
];

/** Cases whose marker is implied: the error points at the template string, at the action. */
export function withImpliedMarker(template: string): string {
  if (template.includes('@@')) return template;
  const at = template.indexOf('{{');
  return `${template.slice(0, at)}@@${template.slice(at)}`;
}
