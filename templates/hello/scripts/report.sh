#!/bin/sh
# Prints what a provisioner sees: the build it runs in and the variables it was given.
set -e
echo "report for build ${PACKER_BUILD_NAME} (${PACKER_BUILDER_TYPE}), style ${REPORT_STYLE:-long}"
echo "kernel: $(uname -r)"
