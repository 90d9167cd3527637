variable "aws_region" {
  type      = string
  default   = "eu-west-1"
}

variable "aws_access_key" {
  type      = string
  default   = "${env("AWS_ACCESS_KEY_ID")}"
}

variable "aws_secret_key" {
  type      = string
  default   = "${env("AWS_SECRET_ACCESS_KEY")}"
  sensitive = true
}

variable "source_ova" {
  type      = string
  default   = "base/debian-12.ova"
}

# {{timestamp}} of the JSON template; HCL2 has no Unix time, so this is YYYYMMDDhhmmss.
locals {
  timestamp = regex_replace(timestamp(), "[- TZ:]", "")
}

source "virtualbox-ovf" "virtualbox" {
  source_path      = "${var.source_ova}"
  checksum         = "none"
  ssh_username     = "vagrant"
  ssh_password     = "vagrant"
  shutdown_command = "sudo poweroff"
  format           = "ova"
}

source "vmware-iso" "vmware" {
  guest_os_type    = "debian11-64"
  iso_url          = "debian.iso"
  iso_checksum     = "none"
  ssh_username     = "vagrant"
  ssh_password     = "vagrant"
  shutdown_command = "sudo poweroff"
}

source "amazon-ebs" "aws" {
  region            = "${var.aws_region}"
  access_key        = "${var.aws_access_key}"
  secret_key        = "${var.aws_secret_key}"
  source_ami_filter {
    filters     = {
      name = "debian-12-amd64-*"
    }
    owners      = ["136693071363"]
    most_recent = true
  }
  instance_type     = "t3.micro"
  ssh_username      = "admin"
  ami_name          = "app-${clean_resource_name(local.timestamp)}"
}

build {
  description = "One provisioning recipe for a VirtualBox box, a VMware box and an AMI, so laptops match production."
  sources = ["source.virtualbox-ovf.virtualbox", "source.vmware-iso.vmware", "source.amazon-ebs.aws"]

  provisioner "shell" {
    script   = "${path.root}/scripts/base.sh"
    override = {
      "amazon-ebs.aws" = {
        execute_command = "sudo -E sh '{{ .Path }}'"
      }
    }
  }

  provisioner "shell" {
    inline = ["sudo usermod -aG vboxsf vagrant"]
    only   = ["virtualbox-ovf.virtualbox"]
  }

  post-processor "vagrant" {
    except              = ["amazon-ebs.aws"]
    keep_input_artifact = true
  }

  post-processor "manifest" {
  }
}
