variable "base_image" {
  type      = string
  default   = "debian12-base.qcow2"
}

variable "aws_region" {
  type      = string
  default   = "us-east-1"
}

variable "version" {
  type      = string
  default   = "1.0.0"
}

# {{timestamp}} of the JSON template; HCL2 has no Unix time, so this is YYYYMMDDhhmmss.
locals {
  timestamp = regex_replace(timestamp(), "[- TZ:]", "")
}

source "qemu" "app" {
  iso_url          = "${var.base_image}"
  iso_checksum     = "none"
  disk_image       = true
  memory           = 1024
  cpus             = 2
  ssh_username     = "vagrant"
  ssh_password     = "vagrant"
  ssh_timeout      = "10m"
  shutdown_command = "sudo poweroff"
  output_directory = "output-app"
  vm_name          = "app.qcow2"
}

build {
  description = "One disk, every platform: the offline base image (templates/base/build-debian-base.sh debian12-base.qcow2, or -var base_image=PATH) provisioned once, shipped as libvirt, VirtualBox and VMware boxes and as an AMI holding the same bytes."
  sources = ["source.qemu.app"]

  provisioner "shell" {
    inline = ["echo 'built once, shipped everywhere' | sudo tee /etc/motd", "sync"]
  }

  post-processors {
    post-processor "vagrant" {
      output      = "boxes/app-{{.Provider}}.box"
      box_version = "${var.version}"
    }
    post-processor "manifest" {
      output = "manifest.json"
    }
  }

  post-processors {
    post-processor "virtualbox-export" {
      vm_name       = "app"
      guest_os_type = "Debian_64"
      memory        = 1024
      cpus          = 2
    }
    post-processor "vagrant" {
      output      = "boxes/app-{{.Provider}}.box"
      box_version = "${var.version}"
    }
    post-processor "manifest" {
      output = "manifest.json"
    }
  }

  post-processors {
    post-processor "vmware-export" {
      vm_name              = "app"
      guest_os_type        = "debian11-64"
      disk_adapter_type    = "pvscsi"
      network_adapter_type = "vmxnet3"
      version              = "14"
    }
    post-processor "vagrant" {
      output      = "boxes/app-{{.Provider}}.box"
      box_version = "${var.version}"
    }
    post-processor "manifest" {
      output = "manifest.json"
    }
  }

  post-processors {
    post-processor "amazon-import" {
      region   = "${var.aws_region}"
      ami_name = "app-${var.version}-${local.timestamp}"
      tags     = {
        version = "${var.version}"
      }
    }
    post-processor "vagrant" {
      output      = "boxes/app-{{.Provider}}.box"
      box_version = "${var.version}"
    }
    post-processor "manifest" {
      output = "manifest.json"
    }
  }
}
