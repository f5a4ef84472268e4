#!/bin/sh
# The web demo's page. flock: two visits at once each get their own number.
n=$(flock /tmp/visits sh -c 'n=$(($(cat /tmp/visits) + 1)); echo $n > /tmp/visits; echo $n')
up=$(cut -d' ' -f1 /proc/uptime)
name=$(hostname)
printf 'Content-Type: text/html\r\n\r\n'
cat <<HTML
<!DOCTYPE html>
<html><head><title>$name on Paravent</title></head>
<body style="font-family: sans-serif">
<h1>Hello from $name</h1>
<p>A guest domain of Paravent: Linux on paravent-vmm, on KVM, in a live CD's dom0.</p>
<ul>
<li>guest: <b id="name">$name</b></li>
<li>uptime: <b id="uptime">$up</b> s</li>
<li>visits: <b id="visits">$n</b></li>
<li>kernel: $(uname -r), $(nproc) CPU(s)</li>
</ul>
</body></html>
HTML
