variable "base_image" {
  type      = string
  default   = ""
}

variable "ssh_private_key_file" {
  type      = string
  default   = ""
}

variable "docker_base" {
  type      = string
  default   = "boxwright/debian12-base:latest"
}

variable "packages" {
  type      = string
  default   = ""
}

variable "version" {
  type      = string
  default   = "1.0.0"
}

variable "box_name" {
  type      = string
  default   = "boxwright/app"
}

variable "image" {
  type      = string
  default   = "boxwright/app"
}

variable "aws_region" {
  type      = string
  default   = "${env("AWS_REGION")}"
}

variable "aws_instance_type" {
  type      = string
  default   = "t3.micro"
}

# {{timestamp}} of the JSON template; HCL2 has no Unix time, so this is YYYYMMDDhhmmss.
locals {
  timestamp = regex_replace(timestamp(), "[- TZ:]", "")
}

source "qemu" "app" {
  iso_url              = "${var.base_image}"
  iso_checksum         = "none"
  disk_image           = true
  headless             = true
  memory               = 1024
  cpus                 = 2
  ssh_username         = "vagrant"
  ssh_private_key_file = "${var.ssh_private_key_file}"
  ssh_timeout          = "10m"
  shutdown_command     = "sudo poweroff"
  output_directory     = "output/app"
  vm_name              = "app.qcow2"
}

source "docker" "app-docker" {
  image       = "${var.docker_base}"
  pull        = false
  commit      = true
  run_command = ["-d", "-i", "-t", "--network=host", "--entrypoint=/bin/sh", "--", "{{.Image}}"]
  changes     = [
    "EXPOSE 80",
    "CMD [\"nginx\", \"-g\", \"daemon off;\"]",
    "LABEL org.opencontainers.image.version=${var.version}",
  ]
}

source "amazon-ebs" "app-ec2" {
  region            = "${var.aws_region}"
  source_ami_filter {
    filters     = {
      name = "debian-12-amd64-*"
      architecture = "x86_64"
    }
    owners      = ["136693071363"]
    most_recent = true
  }
  instance_type     = "${var.aws_instance_type}"
  ssh_username      = "admin"
  ami_name          = "boxwright-app-ec2-${var.version}-${local.timestamp}"
  tags              = {
    version = "${var.version}"
    built-by = "boxwright"
  }
}

build {
  description = "The flagship: one application machine (nginx and a systemd service) as libvirt, VirtualBox and VMware boxes from one disk, a Docker image from the same base files, and AMIs, all fingerprinted and compared. templates/dev-prod/README.md tells how; `npm run demo` runs it."
  sources = ["source.qemu.app", "source.docker.app-docker", "source.amazon-ebs.app-ec2"]

  provisioner "file" {
    source      = "${var.packages}/"
    destination = "/tmp/app-packages"
  }

  provisioner "file" {
    source      = "${path.root}/files/"
    destination = "/tmp/app-files"
  }

  provisioner "shell" {
    script          = "${path.root}/scripts/install-app.sh"
    execute_command = "sudo -E sh '{{ .Path }}'"
  }

  provisioner "fingerprint" {
    files = [
      "/var/www/html/**",
      "/etc/nginx/**",
      "/etc/systemd/system/app-status.service",
      "/usr/local/bin/app-status",
    ]
  }

  post-processors {
    post-processor "vagrant" {
      only        = ["qemu.app"]
      box_name    = "${var.box_name}"
      box_version = "${var.version}"
      output      = "boxes/app-{{.Provider}}.box"
    }
    post-processor "manifest" {
      only   = ["qemu.app"]
      output = "manifest.json"
    }
  }

  post-processors {
    post-processor "virtualbox-export" {
      only          = ["qemu.app"]
      vm_name       = "app"
      guest_os_type = "Debian_64"
      memory        = 1024
      cpus          = 2
    }
    post-processor "vagrant" {
      only                = ["qemu.app"]
      keep_input_artifact = true
      box_name            = "${var.box_name}"
      box_version         = "${var.version}"
      output              = "boxes/app-{{.Provider}}.box"
    }
    post-processor "manifest" {
      only   = ["qemu.app"]
      output = "manifest.json"
    }
  }

  post-processors {
    post-processor "vmware-export" {
      only                 = ["qemu.app"]
      vm_name              = "app"
      guest_os_type        = "debian11-64"
      disk_adapter_type    = "pvscsi"
      network_adapter_type = "vmxnet3"
      version              = "14"
    }
    post-processor "vagrant" {
      only                = ["qemu.app"]
      keep_input_artifact = true
      box_name            = "${var.box_name}"
      box_version         = "${var.version}"
      output              = "boxes/app-{{.Provider}}.box"
    }
    post-processor "manifest" {
      only   = ["qemu.app"]
      output = "manifest.json"
    }
  }

  post-processors {
    post-processor "amazon-import" {
      name     = "app-ami"
      only     = ["qemu.app"]
      region   = "${var.aws_region}"
      ami_name = "boxwright-app-${var.version}-${local.timestamp}"
      tags     = {
        version = "${var.version}"
        built-by = "boxwright"
      }
    }
    post-processor "manifest" {
      only   = ["qemu.app"]
      output = "manifest.json"
    }
  }

  post-processors {
    post-processor "docker-tag" {
      only       = ["docker.app-docker"]
      repository = "${var.image}"
      tags       = ["${var.version}", "latest"]
    }
    post-processor "manifest" {
      only   = ["docker.app-docker"]
      output = "manifest.json"
    }
  }

  post-processor "manifest" {
    only   = ["amazon-ebs.app-ec2"]
    output = "manifest.json"
  }
}
