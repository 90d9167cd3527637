#!/bin/sh
# Base packages shared by the VirtualBox box, the VMware box and the AMI.
set -eux
sudo apt-get update
sudo apt-get install -y --no-install-recommends curl ca-certificates
