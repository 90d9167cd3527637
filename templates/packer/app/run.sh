#!/bin/sh
echo "app placeholder"
