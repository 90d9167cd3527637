#!/bin/sh -eux
apt-get clean
