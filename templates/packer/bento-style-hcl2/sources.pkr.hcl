locals {
  iso_url      = "${var.mirror}/${var.mirror_directory}/${var.iso_name}"
  boot_command = ["<esc><wait>install auto=true url=http://{{ .HTTPIP }}:{{ .HTTPPort }}/preseed.cfg hostname={{ .Name }} domain=local <enter>"]
  shutdown     = "echo 'vagrant' | sudo -S /sbin/shutdown -hP now"
}

source "virtualbox-iso" "debian" {
  boot_command            = local.boot_command
  boot_wait               = "5s"
  cpus                    = var.cpus
  memory                  = var.memory
  disk_size               = var.disk_size
  guest_os_type           = "Debian_64"
  hard_drive_interface    = "sata"
  headless                = var.headless
  http_directory          = "${path.root}/http"
  iso_checksum            = var.iso_checksum
  iso_url                 = local.iso_url
  output_directory        = "${var.build_directory}/packer-${var.template}-virtualbox"
  shutdown_command        = local.shutdown
  ssh_password            = "vagrant"
  ssh_username            = "vagrant"
  ssh_timeout             = "10000s"
  virtualbox_version_file = ".vbox_version"
  vm_name                 = var.template
}

source "vmware-iso" "debian" {
  boot_command        = local.boot_command
  boot_wait           = "5s"
  cpus                = var.cpus
  memory              = var.memory
  disk_size           = var.disk_size
  guest_os_type       = "debian10-64"
  headless            = var.headless
  http_directory      = "${path.root}/http"
  iso_checksum        = var.iso_checksum
  iso_url             = local.iso_url
  output_directory    = "${var.build_directory}/packer-${var.template}-vmware"
  shutdown_command    = local.shutdown
  ssh_password        = "vagrant"
  ssh_username        = "vagrant"
  ssh_timeout         = "10000s"
  tools_upload_flavor = "linux"
  vm_name             = var.template
  vmx_data = {
    "cpuid.coresPerSocket"    = "1"
    "ethernet0.pciSlotNumber" = "32"
  }
}

source "qemu" "debian" {
  boot_command     = local.boot_command
  boot_wait        = "5s"
  cpus             = var.cpus
  memory           = var.memory
  disk_size        = var.disk_size
  headless         = var.headless
  http_directory   = "${path.root}/http"
  iso_checksum     = var.iso_checksum
  iso_url          = local.iso_url
  output_directory = "${var.build_directory}/packer-${var.template}-qemu"
  shutdown_command = local.shutdown
  ssh_password     = "vagrant"
  ssh_username     = "vagrant"
  ssh_timeout      = "10000s"
  vm_name          = var.template
}

source "parallels-iso" "debian" {
  boot_command           = local.boot_command
  guest_os_type          = "debian"
  iso_checksum           = var.iso_checksum
  iso_url                = local.iso_url
  parallels_tools_flavor = "lin"
  shutdown_command       = local.shutdown
  ssh_password           = "vagrant"
  ssh_username           = "vagrant"
}
