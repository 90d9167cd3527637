#!/bin/sh
# The application, installed the same way on every platform (run as root): nginx serving
# /var/www/html, and app-status.service, which writes the machine's status page at boot.
set -eu
export DEBIAN_FRONTEND=noninteractive

# Services start when the machine boots, not while it is built: a container being built has
# no init, and a VM being built is about to be shut down.
printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
chmod 755 /usr/sbin/policy-rc.d
trap 'rm -f /usr/sbin/policy-rc.d' EXIT

repo=/tmp/app-packages
if [ -f "$repo/Packages" ]; then
  # Offline: the packages came with the template (scripts/fetch-packages.sh).
  echo "deb [trusted=yes] file:$repo ./" > /etc/apt/sources.list.d/app-packages.list
  apt-get update -qq -o Dir::Etc::sourcelist=sources.list.d/app-packages.list -o Dir::Etc::sourceparts=-
else
  apt-get update -qq
fi
apt-get install -y -qq --no-install-recommends nginx-light >/dev/null
rm -f /etc/apt/sources.list.d/app-packages.list
rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin "$repo"

install -m 0644 /tmp/app-files/index.html /var/www/html/index.html
install -m 0755 /tmp/app-files/app-status /usr/local/bin/app-status
install -m 0644 /tmp/app-files/app-status.service /etc/systemd/system/app-status.service
ln -sf /run/app-status.txt /var/www/html/status.txt
rm -rf /tmp/app-files
systemctl enable nginx.service app-status.service
echo "installed: $(dpkg-query -W -f '${Package} ${Version}' nginx-light)"
