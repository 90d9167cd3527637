iso_name     = "debian-12.5.0-amd64-netinst.iso"
iso_checksum = "sha256:013f5b44670d81280b5b1bc02455842b250df2f0c6763398feb69af1a4a5f0fc"
headless     = true
