variable "greeting" {
  type      = string
  default   = "hello"
}

variable "build_version" {
  type      = string
  default   = "${formatdate("YYYY.MM.DD", timestamp())}"
}

variable "api_token" {
  type      = string
  default   = "${env("HELLO_API_TOKEN")}"
  sensitive = true
}

variable "output_dir" {
  type      = string
  default   = "${path.root}/output"
}

# {{timestamp}} of the JSON template; HCL2 has no Unix time, so this is YYYYMMDDhhmmss.
locals {
  timestamp = regex_replace(timestamp(), "[- TZ:]", "")
}

source "null" "hello" {
  communicator = "none"
}

source "file" "release-notes" {
  target  = "${var.output_dir}/${source.name}-${var.build_version}.txt"
  content = "Built by ${source.type} at ${local.timestamp} (${upper(var.greeting)})\n"
}

build {
  description = "boxwright's first template: the null builder with local steps. It exercises variables, sensitive values, provisioner options and a post-processor chain without needing a VM."
  sources = ["source.null.hello", "source.file.release-notes"]

  provisioner "shell-local" {
    inline           = [
      "echo \"${var.greeting} from $PACKER_BUILD_NAME on $(uname -s)\"",
      "echo \"using token ${var.api_token}\"",
    ]
    environment_vars = ["BUILD_VERSION=${var.build_version}"]
    only             = ["null.hello"]
  }

  provisioner "shell-local" {
    script       = "${path.root}/scripts/report.sh"
    pause_before = "1s"
    max_retries  = 1
    timeout      = "1m"
    only         = ["null.hello"]
    override     = {
      "null.hello" = {
        environment_vars = ["REPORT_STYLE=short"]
      }
    }
  }

  error-cleanup-provisioner "shell-local" {
    inline = ["echo 'provisioning failed; the cleanup provisioner ran'"]
  }

  post-processors {
    post-processor "checksum" {
      checksum_types = ["sha256"]
      output         = "${var.output_dir}/{{.BuildName}}.{{.ChecksumType}}"
      only           = ["file.release-notes"]
    }
    post-processor "manifest" {
      output      = "${var.output_dir}/manifest.json"
      strip_path  = true
      custom_data = {
        version = "${var.build_version}"
      }
    }
  }
}
