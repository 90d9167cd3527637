# In the style of chef/bento's HCL2 templates: variables, sources and builds in their own
# files, one var-file per OS, builders boxwright lacks left out with -only.

variable "box_basename" {
  type    = string
  default = "debian-12"
}

variable "build_directory" {
  type    = string
  default = "../../../builds"
}

variable "cpus" {
  type    = number
  default = 2
}

variable "memory" {
  type    = number
  default = 1024
}

variable "disk_size" {
  type    = number
  default = 65536
}

variable "headless" {
  type    = bool
  default = true
}

variable "http_proxy" {
  type    = string
  default = env("http_proxy")
}

variable "iso_name" {
  type = string
}

variable "iso_checksum" {
  type = string
}

variable "mirror" {
  type    = string
  default = "http://cdimage.debian.org/cdimage/release"
}

variable "mirror_directory" {
  type    = string
  default = "12.5.0/amd64/iso-cd"
}

variable "template" {
  type    = string
  default = "debian-12-amd64"

  validation {
    condition     = length(var.template) > 0 && length(var.template) <= 63
    error_message = "The template name must have 1 to 63 characters."
  }
}
