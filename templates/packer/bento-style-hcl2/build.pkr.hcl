build {
  sources = [
    "source.virtualbox-iso.debian",
    "source.vmware-iso.debian",
    "source.qemu.debian",
    "source.parallels-iso.debian",
  ]

  provisioner "shell" {
    environment_vars  = ["HOME_DIR=/home/vagrant", "http_proxy=${var.http_proxy}"]
    execute_command   = "echo 'vagrant' | {{ .Vars }} sudo -S -E sh -eux '{{ .Path }}'"
    expect_disconnect = true
    scripts           = [for s in ["update.sh", "cleanup.sh"] : "${path.root}/../bento-style/scripts/${s}"]
  }

  post-processor "vagrant" {
    output = "${var.build_directory}/${var.box_basename}.{{ .Provider }}.box"
  }
}
