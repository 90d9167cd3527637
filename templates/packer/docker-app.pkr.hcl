variable "base" {
  type      = string
  default   = "debian:bookworm"
}

variable "repository" {
  type      = string
  default   = "registry.example.com/team/app"
}

variable "tag" {
  type      = string
  default   = "${formatdate("YYYYMMDD", timestamp())}"
}

source "docker" "docker" {
  image   = "${var.base}"
  pull    = false
  commit  = true
  changes = [
    "ENV APP_ENV production",
    "EXPOSE 8080",
    "LABEL org.opencontainers.image.version=${var.tag}",
  ]
}

build {
  description = "An application image from a local base image, tagged for a registry."
  sources = ["source.docker.docker"]

  provisioner "shell" {
    inline = ["apt-get update", "apt-get install -y --no-install-recommends ca-certificates"]
  }

  provisioner "file" {
    source      = "${path.root}/app/"
    destination = "/srv/app"
  }

  post-processors {
    post-processor "docker-tag" {
      repository = "${var.repository}"
      tags       = ["${var.tag}", "latest"]
    }
    post-processor "docker-push" {
      keep_input_artifact = true
    }
  }
}
