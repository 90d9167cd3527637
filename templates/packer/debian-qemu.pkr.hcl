# The HCL2 twin of debian-qemu.json: the same build, written as Packer users write templates today.
packer {
  required_version = ">= 1.6.0"
}

variable "iso_url" {
  type    = string
  default = "https://cdimage.debian.org/debian-cd/current/amd64/iso-cd/debian-12.5.0-amd64-netinst.iso"
}

variable "iso_checksum" {
  type    = string
  default = "sha256:013f5b44670d81280b5b1bc02455842b250df2f0c6763398feb69af1a4a5f0fc"
}

variable "ssh_password" {
  type      = string
  default   = "vagrant"
  sensitive = true
}

variable "box_version" {
  type    = string
  default = "1.0.0"
}

locals {
  # What {{timestamp}} gives a JSON template: seconds since 1970.
  timestamp = formatdate("YYYYMMDDhhmmss", timestamp())
}

source "qemu" "debian-12" {
  iso_url        = var.iso_url
  iso_checksum   = var.iso_checksum
  disk_size      = "8G"
  format         = "qcow2"
  accelerator    = "kvm"
  http_directory = "${path.root}/http"
  boot_wait      = "5s"
  boot_command = [
    "<esc><wait>",
    "auto url=http://{{ .HTTPIP }}:{{ .HTTPPort }}/preseed.cfg ",
    "hostname={{ .Name }} domain=local<enter>",
  ]
  ssh_username     = "vagrant"
  ssh_password     = var.ssh_password
  ssh_timeout      = "30m"
  shutdown_command = "echo '${var.ssh_password}' | sudo -S shutdown -P now"
  vm_name          = "debian-12-${local.timestamp}"
  output_directory = "output-debian-12"
}

build {
  description = "Debian 12 from the netinst ISO with a preseed file, provisioned over SSH, packaged as a libvirt Vagrant box."
  sources     = ["source.qemu.debian-12"]

  provisioner "shell" {
    execute_command   = "echo '${var.ssh_password}' | {{ .Vars }} sudo -S -E sh -eux '{{ .Path }}'"
    inline            = ["apt-get update", "apt-get install -y curl"]
    expect_disconnect = true
  }

  provisioner "file" {
    source      = "${path.root}/files/motd"
    destination = "/tmp/motd"
  }

  post-processors {
    post-processor "vagrant" {
      output            = "boxes/debian-12-{{.Provider}}.box"
      compression_level = 6
    }
    post-processor "manifest" {
      output = "manifest.json"
    }
  }
}
