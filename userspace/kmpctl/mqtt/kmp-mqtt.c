// SPDX-License-Identifier: GPL-2.0-only
/*
 * kmp-mqtt: Kamstrup meters to an MQTT broker, announced to Home Assistant
 * by MQTT discovery.
 *
 *   kmp-mqtt [OPTIONS]                 every meter bound to kamstrup-kmp
 *   kmp-mqtt --tty /dev/ttyUSB0 ...    a USB IR head, KMP spoken directly
 *
 * Topics (PREFIX default "kamstrup", NODE "kamstrup_<serial number>"):
 *   PREFIX/bridge/availability     online / offline (retained; last will)
 *   PREFIX/NODE/availability       online / offline: whether the meter
 *                                  answered its last read (retained)
 *   PREFIX/NODE/KEY                the sensor's state, HA's unit
 *   PREFIX/NODE/info_problem       a heat meter's info code: ON when nonzero
 *   PREFIX/NODE/info_code          ... the code, "0x0010"
 *   PREFIX/NODE/info_code/attributes    {"code": 16, "flags": [...]}
 *   PREFIX/NODE/info_code/availability  offline when it cannot be read
 *   DISCOVERY/sensor/NODE/KEY/config   Home Assistant discovery (retained;
 *                                  binary_sensor/NODE/info_problem too)
 *
 * The network runs in libmosquitto's thread, which reconnects with
 * exponential backoff (1 s doubling up to 30 s); every (re)connection
 * publishes the bridge's availability, the discovery configs and the
 * meters' availability again (a broker may have restarted without its
 * retained messages).  Meters are read in the main thread, at each
 * period; a meter that does not answer is marked unavailable and none of
 * its numbers is published until it answers again.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <mosquitto.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kmp-mqtt.h"

#define VERSION		"0.2"

static struct {
	const char *host;
	unsigned int port;
	const char *user, *password, *password_file;
	const char *client_id;
	const char *prefix, *discovery;
	bool no_discovery;
	unsigned int qos, keepalive, interval;
	bool tls, tls_insecure, once;
	const char *cafile, *capath, *cert, *key;
	char broker[300];	/* "host:port", or the socket's path */
} o = {
	.host = "localhost", .prefix = "kamstrup",
	.discovery = "homeassistant", .qos = 1, .keepalive = 60,
	.interval = 60,
};

static struct tty_line kopts = {
	.baud = 1200, .addr = KMP_ADDR_HEAT, .timeout_ms = -1,
	.turnaround_ms = 300, .retries = 2,
};
static struct mq_source src = { .kopts = &kopts, .energy_unit = "kWh" };
static struct mosquitto *mosq;
static int wake[2] = { -1, -1 };	/* self-pipe: signals, (re)connects */
static volatile sig_atomic_t stop;
static int connack = -1;	/* the first CONNACK's code, -1 before */
static int connected, announce;	/* set by the network thread */
static unsigned long sent, acked;	/* QoS > 0 messages */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static const char usage_text[] =
"usage: kmp-mqtt [OPTIONS]\n"
"Publishes Kamstrup meters to an MQTT broker with Home Assistant discovery:\n"
"every meter bound to the kamstrup-kmp driver (through libiio), or with\n"
"--tty the meter on a USB IR head.\n"
"\n"
"Meters:\n"
"  -u, --uri URI          libiio context (default local; ip:HOST for iiod)\n"
"  -d, --device DEV       only this meter (iio:deviceN, its name or label)\n"
"  --tty DEV              a USB IR head: KMP spoken directly on DEV\n"
"  --register REG         --tty: a register to publish (repeatable; default\n"
"                         the seven standard ones, the hour counter and the\n"
"                         info code)\n"
"  --baud N, --addr A, --timeout MS, --turnaround MS, --retries N\n"
"                         --tty line settings, as kmpctl's\n"
"  -i, --interval S       read every S seconds (default 60)\n"
"  --energy-unit U        kWh (default; rounded to the Wh), MJ or GJ\n"
"  --once                 one read, published, then exit\n"
"Broker:\n"
"  -H, --host HOST        broker (default localhost; /PATH: a unix socket)\n"
"  -p, --port N           default 1883, 8883 with TLS\n"
"  --user U, --password P, --password-file F\n"
"  --client-id ID         default kmp-mqtt-HOSTNAME\n"
"  --qos N                0, 1 (default) or 2\n"
"  --keepalive S          default 60\n"
"  --tls                  TLS with the system's CAs; --cafile F, --capath D,\n"
"                         --cert F, --key F imply --tls\n"
"  --tls-insecure         do not check the broker's host name\n"
"Topics:\n"
"  --prefix P             default kamstrup\n"
"  --discovery-prefix P   default homeassistant\n"
"  --no-discovery         no Home Assistant discovery messages\n"
"Other:\n"
"  -c, --config FILE      options from FILE, one 'option value' per line\n"
"                         (the long names, '#' comments); the command line\n"
"                         wins\n"
"  -v, --verbose          every message published, on stderr\n"
"  -h, --help, -V, --version\n"
"\n"
"Exit status: 0 after SIGINT/SIGTERM, or --once when every meter answered;\n"
"1 no meter, a meter silent in --once, or the broker cannot be reached or\n"
"refuses the connection (address, credentials); 2 bad usage.\n";

/* ---- publishing ------------------------------------------------------------- */

static void publish(const char *topic, const char *payload, bool retain)
{
	int mid = 0, r;

	r = mosquitto_publish(mosq, &mid, topic, strlen(payload), payload,
			      o.qos, retain);
	util_dbg("%s %s%s%s", topic, payload, retain ? " (retained)" : "",
		 r ? " (not sent: not connected)" : "");
	if (!r && o.qos) {
		pthread_mutex_lock(&lock);
		sent++;
		pthread_mutex_unlock(&lock);
	}
}

static void topic(char *buf, size_t size, const char *node, const char *leaf)
{
	snprintf(buf, size, "%s/%s/%s", o.prefix, node, leaf);
}

/* A JSON string literal into @p */
static int jstr(char *p, size_t size, const char *s)
{
	size_t n = 0;

	n += snprintf(p + n, size - n, "\"");
	for (; *s && n + 8 < size; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\')
			n += snprintf(p + n, size - n, "\\%c", c);
		else if (c < 0x20)
			n += snprintf(p + n, size - n, "\\u%04x", c);
		else
			p[n++] = c;
	}
	n += snprintf(p + n, size - n, "\"");
	return n;
}

/*
 * Home Assistant's MQTT discovery config of one entity: a @component
 * ("sensor", "binary_sensor") with the @extra keys; the info code's
 * entities also follow its own availability
 */
static void announce_entity(const struct mq_meter *m, const char *component,
			    const char *key, const char *name, const char *extra)
{
	char t[256], p[2048], v[3][160], info[160] = "";
	size_t n = 0;

	if (o.no_discovery)
		return;
	snprintf(t, sizeof(t), "%s/%s/%s/%s/config", o.discovery, component,
		 m->node, key);
	jstr(v[0], sizeof(v[0]), name);
	jstr(v[1], sizeof(v[1]), m->model);
	if (!strncmp(key, "info_", 5))
		snprintf(info, sizeof(info), ", {\"topic\": \"%s/%s/info_code/availability\"}",
			 o.prefix, m->node);
	n += snprintf(p + n, sizeof(p) - n,
		"{\"name\": %s, \"unique_id\": \"%s_%s\", "
		"\"state_topic\": \"%s/%s/%s\", "
		"\"availability\": [{\"topic\": \"%s/bridge/availability\"}, "
		"{\"topic\": \"%s/%s/availability\"}%s], \"availability_mode\": \"all\"%s",
		v[0], m->node, key, o.prefix, m->node, key, o.prefix, o.prefix,
		m->node, info, extra);
	n += snprintf(p + n, sizeof(p) - n,
		", \"device\": {\"identifiers\": [\"%s\"], \"name\": \"Kamstrup %s\", "
		"\"manufacturer\": \"Kamstrup\", \"model\": %s, "
		"\"serial_number\": \"%s\"", m->node, m->serial, v[1], m->serial);
	if (*m->sw) {
		jstr(v[2], sizeof(v[2]), m->sw);
		n += snprintf(p + n, sizeof(p) - n, ", \"sw_version\": %s", v[2]);
	}
	snprintf(p + n, sizeof(p) - n, "}}");
	publish(t, p, true);
}

static void announce_sensor(const struct mq_meter *m,
			    const struct mq_sensor *s)
{
	char x[512], u[160];
	size_t n = 0;

	x[0] = 0;
	if (s->device_class)
		n += snprintf(x + n, sizeof(x) - n, ", \"device_class\": \"%s\"",
			      s->device_class);
	if (s->state_class)
		n += snprintf(x + n, sizeof(x) - n, ", \"state_class\": \"%s\"",
			      s->state_class);
	if (s->unit) {
		jstr(u, sizeof(u), s->unit);
		snprintf(x + n, sizeof(x) - n, ", \"unit_of_measurement\": %s", u);
	}
	announce_entity(m, "sensor", s->key, s->name, x);
}

/*
 * The info code: a problem binary_sensor (ON when nonzero) and a
 * diagnostic sensor of the code ("0x0010"); both carry the MULTICAL 403's
 * flag names as attributes ({"code": 16, "flags": [...]})
 */
static void announce_info(const struct mq_meter *m)
{
	char x[512];

	snprintf(x, sizeof(x), ", \"device_class\": \"problem\", "
		 "\"payload_on\": \"ON\", \"payload_off\": \"OFF\", "
		 "\"json_attributes_topic\": \"%s/%s/info_code/attributes\"",
		 o.prefix, m->node);
	announce_entity(m, "binary_sensor", "info_problem", "info", x);
	snprintf(x, sizeof(x), ", \"entity_category\": \"diagnostic\", "
		 "\"json_attributes_topic\": \"%s/%s/info_code/attributes\"",
		 o.prefix, m->node);
	announce_entity(m, "sensor", "info_code", "info code", x);
}

/* The info code's state, attributes and availability */
static void publish_info(const struct mq_meter *m)
{
	char t[256], p[UTIL_INFO_FLAGS_MAX + 64], f[UTIL_INFO_FLAGS_MAX];

	topic(t, sizeof(t), m->node, "info_code/availability");
	publish(t, m->info_ok ? "online" : "offline", true);
	if (!m->info_ok)
		return;
	topic(t, sizeof(t), m->node, "info_problem");
	publish(t, m->info ? "ON" : "OFF", false);
	topic(t, sizeof(t), m->node, "info_code");
	snprintf(p, sizeof(p), "0x%04x", m->info);
	publish(t, p, false);
	util_info_flags(m->info, "\", \"", f, sizeof(f));
	snprintf(p, sizeof(p), *f ? "{\"code\": %u, \"flags\": [\"%s\"]}" :
		 "{\"code\": %u, \"flags\": []}", m->info, f);
	topic(t, sizeof(t), m->node, "info_code/attributes");
	publish(t, p, false);
}

static void announce_meter(struct mq_meter *m)
{
	char t[256];
	unsigned int i;

	for (i = 0; i < m->n; i++)
		if (m->s[i].known)
			announce_sensor(m, &m->s[i]);
	if (m->has_info)
		announce_info(m);
	topic(t, sizeof(t), m->node, "availability");
	publish(t, m->available ? "online" : "offline", true);
}

/* ---- the network thread's callbacks ---------------------------------------- */

static void poke(void)
{
	char c = 0;

	if (write(wake[1], &c, 1) < 0) {
		/* full: the main loop is already woken */
	}
}

static void on_connect(struct mosquitto *mq, void *arg, int rc)
{
	char t[256];

	(void)mq;
	(void)arg;
	pthread_mutex_lock(&lock);
	if (connack < 0)
		connack = rc;
	pthread_mutex_unlock(&lock);
	if (rc) {
		util_err("broker %s refused the connection: %s", o.broker,
			 mosquitto_connack_string(rc));
		return;
	}
	util_err("connected to %s", o.broker);
	snprintf(t, sizeof(t), "%s/bridge/availability", o.prefix);
	publish(t, "online", true);	/* counted: drain() waits for its ack too */
	__atomic_store_n(&connected, 1, __ATOMIC_RELEASE);
	__atomic_store_n(&announce, 1, __ATOMIC_RELEASE);
	poke();
}

static void on_disconnect(struct mosquitto *mq, void *arg, int rc)
{
	(void)mq;
	(void)arg;
	__atomic_store_n(&connected, 0, __ATOMIC_RELEASE);
	if (rc && !stop)
		util_err("connection to %s lost: %s; reconnecting", o.broker,
			 mosquitto_strerror(rc));
}

static void on_publish(struct mosquitto *mq, void *arg, int mid)
{
	(void)mq;
	(void)arg;
	(void)mid;
	pthread_mutex_lock(&lock);
	acked++;
	pthread_mutex_unlock(&lock);
	poke();
}

/* ---- options ------------------------------------------------------------------ */

enum {
	O_TTY = 256, O_REGISTER, O_BAUD, O_ADDR, O_TIMEOUT, O_TURNAROUND,
	O_RETRIES, O_ENERGY_UNIT, O_ONCE, O_USER, O_PASSWORD, O_PASSWORD_FILE,
	O_CLIENT_ID, O_QOS, O_KEEPALIVE, O_TLS, O_CAFILE, O_CAPATH, O_CERT,
	O_KEY, O_TLS_INSECURE, O_PREFIX, O_DISCOVERY, O_NO_DISCOVERY,
};

static const struct option long_opts[] = {
	{ "uri", required_argument, NULL, 'u' },
	{ "device", required_argument, NULL, 'd' },
	{ "tty", required_argument, NULL, O_TTY },
	{ "register", required_argument, NULL, O_REGISTER },
	{ "baud", required_argument, NULL, O_BAUD },
	{ "addr", required_argument, NULL, O_ADDR },
	{ "timeout", required_argument, NULL, O_TIMEOUT },
	{ "turnaround", required_argument, NULL, O_TURNAROUND },
	{ "retries", required_argument, NULL, O_RETRIES },
	{ "interval", required_argument, NULL, 'i' },
	{ "energy-unit", required_argument, NULL, O_ENERGY_UNIT },
	{ "once", no_argument, NULL, O_ONCE },
	{ "host", required_argument, NULL, 'H' },
	{ "port", required_argument, NULL, 'p' },
	{ "user", required_argument, NULL, O_USER },
	{ "password", required_argument, NULL, O_PASSWORD },
	{ "password-file", required_argument, NULL, O_PASSWORD_FILE },
	{ "client-id", required_argument, NULL, O_CLIENT_ID },
	{ "qos", required_argument, NULL, O_QOS },
	{ "keepalive", required_argument, NULL, O_KEEPALIVE },
	{ "tls", no_argument, NULL, O_TLS },
	{ "cafile", required_argument, NULL, O_CAFILE },
	{ "capath", required_argument, NULL, O_CAPATH },
	{ "cert", required_argument, NULL, O_CERT },
	{ "key", required_argument, NULL, O_KEY },
	{ "tls-insecure", no_argument, NULL, O_TLS_INSECURE },
	{ "prefix", required_argument, NULL, O_PREFIX },
	{ "discovery-prefix", required_argument, NULL, O_DISCOVERY },
	{ "no-discovery", no_argument, NULL, O_NO_DISCOVERY },
	{ "config", required_argument, NULL, 'c' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

/* An unsigned option in lo..hi, or a usage error (-1) */
static int num(const char *name, const char *s, unsigned long lo,
	       unsigned long hi, unsigned int *out)
{
	unsigned long v;

	if (util_parse_uint(s, hi, &v) || v < lo) {
		util_usage("--%s: '%s' is not %lu..%lu", name, s, lo, hi);
		return -1;
	}
	*out = v;
	return 0;
}

/* A topic prefix: no wildcards, no empty levels at the ends */
static bool topic_ok(const char *s)
{
	size_t n = strlen(s);

	return n && !strpbrk(s, "+#") && s[0] != '/' && s[n - 1] != '/';
}

static int add_register(const char *s)
{
	unsigned int i;
	u16 v;

	if (util_parse_register(s, &v))
		return util_usage("--register: '%s' is not a register id (hex 0x003c, decimal or a name)", s);
	for (i = 0; i < src.nregs && src.regs[i] != v; i++)
		;
	if (i == src.nregs && src.nregs < MQ_MAX_SENSORS)
		src.regs[src.nregs++] = v;
	return 0;
}

static char *password_buf;

/* One option: 0, or an exit status to return at once */
static int handle(int c, const char *arg, const char *name)
{
	unsigned int v;

	switch (c) {
	case 'u': src.uri = arg; break;
	case 'd': src.device = arg; break;
	case O_TTY: kopts.tty = arg; break;
	case O_REGISTER: return add_register(arg);
	case O_BAUD:
		if (num(name, arg, 1, 4000000, &kopts.baud))
			return 2;
		if (!kmpctl_tty_baud_ok(kopts.baud))
			return util_usage("--baud: %s is not a standard speed", arg);
		break;
	case O_ADDR:
		if (num(name, arg, 0, 0xff, &v))
			return 2;
		kopts.addr = v;
		break;
	case O_TIMEOUT:
		if (num(name, arg, 1, 600000, &v))
			return 2;
		kopts.timeout_ms = v;
		break;
	case O_TURNAROUND: return num(name, arg, 0, 600000, &kopts.turnaround_ms) ? 2 : 0;
	case O_RETRIES: return num(name, arg, 0, 100, &kopts.retries) ? 2 : 0;
	case 'i': return num(name, arg, 1, 86400, &o.interval) ? 2 : 0;
	case O_ENERGY_UNIT:
		if (strcmp(arg, "kWh") && strcmp(arg, "MJ") && strcmp(arg, "GJ"))
			return util_usage("--energy-unit: '%s' is not kWh, MJ or GJ", arg);
		src.energy_unit = arg;
		break;
	case O_ONCE: o.once = true; break;
	case 'H':
		if (!*arg)
			return util_usage("--host: empty");
		o.host = arg;
		break;
	case 'p': return num(name, arg, 1, 65535, &o.port) ? 2 : 0;
	case O_USER: o.user = arg; break;
	case O_PASSWORD: o.password = arg; break;
	case O_PASSWORD_FILE: o.password_file = arg; break;
	case O_CLIENT_ID: o.client_id = arg; break;
	case O_QOS: return num(name, arg, 0, 2, &o.qos) ? 2 : 0;
	case O_KEEPALIVE: return num(name, arg, 5, 65535, &o.keepalive) ? 2 : 0;
	case O_TLS: o.tls = true; break;
	case O_CAFILE: o.cafile = arg; o.tls = true; break;
	case O_CAPATH: o.capath = arg; o.tls = true; break;
	case O_CERT: o.cert = arg; o.tls = true; break;
	case O_KEY: o.key = arg; o.tls = true; break;
	case O_TLS_INSECURE: o.tls_insecure = true; break;
	case O_PREFIX:
		if (!topic_ok(arg))
			return util_usage("--prefix: '%s' is not a topic prefix", arg);
		o.prefix = arg;
		break;
	case O_DISCOVERY:
		if (!topic_ok(arg))
			return util_usage("--discovery-prefix: '%s' is not a topic prefix", arg);
		o.discovery = arg;
		break;
	case O_NO_DISCOVERY: o.no_discovery = true; break;
	case 'c': break;	/* read before the rest */
	case 'v': util_verbose++; break;
	case 'h': fputs(usage_text, stdout); return -1;
	case 'V': printf("kmp-mqtt %s\n", VERSION); return -1;
	default: return util_usage("unknown option '%s'", name);
	}
	return 0;
}

/* Options from a file: "option value" or "option = value" per line */
static int read_config(const char *path)
{
	char *line = NULL, *k, *val, *e;
	size_t cap = 0;
	int ln = 0, ret = 0;
	FILE *f = fopen(path, "r");

	if (!f) {
		util_err("%s: %s", path, strerror(errno));
		return 1;
	}
	while (!ret && getline(&line, &cap, f) >= 0) {
		const struct option *lo;

		ln++;
		if ((e = strchr(line, '#')))
			*e = 0;
		util_trim(line);
		k = line + strspn(line, " \t");
		if (!*k)
			continue;
		val = k + strcspn(k, " \t=");
		if (*val)
			*val++ = 0;
		val += strspn(val, " \t=");
		for (lo = long_opts; lo->name && strcmp(lo->name, k); lo++)
			;
		if (!lo->name || lo->val == 'c' || lo->val == 'h' ||
		    lo->val == 'V') {
			util_err("%s:%d: unknown option '%s'", path, ln, k);
			ret = 2;
		} else if ((lo->has_arg == required_argument) != !!*val) {
			util_err("%s:%d: %s %s", path, ln, k, *val ?
				 "takes no value" : "needs a value");
			ret = 2;
		} else {
			/* the value must outlive the line */
			ret = handle(lo->val, *val ? strdup(val) : NULL, k);
			if (ret)
				util_err("%s:%d: in this line", path, ln);
		}
	}
	free(line);
	fclose(f);
	return ret;
}

static int parse_args(int argc, char **argv)
{
	int c, ret;

	opterr = 0;
	/* -c first: the command line wins over the file */
	while ((c = getopt_long(argc, argv, ":u:d:i:H:p:c:vhV", long_opts,
				NULL)) != -1)
		if (c == 'c' && (ret = read_config(optarg)))
			return ret;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":u:d:i:H:p:c:vhV", long_opts,
				NULL)) != -1) {
		if (c == ':')
			return util_usage("option '%s' needs a value",
					  argv[optind - 1]);
		ret = handle(c, optarg, argv[optind - 1]);
		if (ret)
			return ret < 0 ? 0 : ret;
	}
	if (optind < argc)
		return util_usage("unexpected argument '%s'", argv[optind]);
	if (!kopts.tty && src.nregs)
		return util_usage("--register applies to --tty only (the driver's channels come from devicetree)");
	if (kopts.tty && (src.uri || src.device))
		return util_usage("--tty and -u/-d exclude each other");
	if (o.host[0] == '/')	/* a unix socket: libmosquitto's port 0 */
		o.port = 0;
	else if (!o.port)
		o.port = o.tls ? 8883 : 1883;
	snprintf(o.broker, sizeof(o.broker), o.port ? "%s:%u" : "%s", o.host,
		 o.port);
	if (o.password_file) {
		FILE *f = fopen(o.password_file, "r");
		size_t cap = 0;

		if (!f || getline(&password_buf, &cap, f) < 0) {
			util_err("%s: %s", o.password_file,
				 f ? "empty" : strerror(errno));
			if (f)
				fclose(f);
			return 1;
		}
		fclose(f);
		util_trim(password_buf);
		o.password = password_buf;
	}
	if (o.password && !o.user)
		return util_usage("--password needs --user");
	return -1;
}

/* ---- the loop ----------------------------------------------------------------- */

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
	poke();
}

/* Sleeps until @deadline, a wake-up or a signal */
static void wait_until(long long deadline)
{
	struct pollfd p = { .fd = wake[0], .events = POLLIN };
	long long left = deadline - util_now_ms();
	char buf[64];

	if (left > 0 && poll(&p, 1, left) > 0)
		while (read(wake[0], buf, sizeof(buf)) > 0)
			;
}

static void read_and_publish(struct mq_meter *m)
{
	bool was = m->available, known = m->identified;
	unsigned int i, before = 0, after = 0;
	int ret, prev = m->last_err;
	char t[256];

	for (i = 0; i < m->n; i++)
		before += m->s[i].known;
	ret = mq_meter_read(&src, m);
	if (!m->identified) {
		if (ret != prev)	/* once per cause, not every period */
			util_err("the meter does not answer its identity: %s (is the head on its window? press the meter's button)",
				  util_strerror(ret));
		return;
	}
	for (i = 0; i < m->n; i++)
		after += m->s[i].known;
	if (ret && (was || !known))
		util_err("%s: not answering: %s; its sensors are unavailable",
			  m->node, util_strerror(ret));
	else if (!ret && !was && known)
		util_err("%s: answering again", m->node);
	/* new sensors (or a new meter): discovery first */
	if (!known || after != before)
		announce_meter(m);
	else if (was != m->available) {
		topic(t, sizeof(t), m->node, "availability");
		publish(t, m->available ? "online" : "offline", true);
	}
	for (i = 0; i < m->n && m->available; i++) {
		if (!m->s[i].ok)
			continue;
		topic(t, sizeof(t), m->node, m->s[i].key);
		publish(t, m->s[i].value, false);
	}
	if (m->has_info && m->available)
		publish_info(m);
}

/* Waits (5 s at most) until the broker acknowledged what was sent */
static void drain(void)
{
	long long end = util_now_ms() + 5000;
	bool done = false;

	while (!done && util_now_ms() < end) {
		pthread_mutex_lock(&lock);
		done = !o.qos || acked >= sent;
		pthread_mutex_unlock(&lock);
		if (!done)
			wait_until(util_now_ms() + 50);
	}
}

static int connect_broker(void)
{
	char id[64], host[48] = "", t[256];
	long long end;
	int r;

	if (!o.client_id) {
		gethostname(host, sizeof(host) - 1);
		snprintf(id, sizeof(id), "kmp-mqtt-%s", host);
	}
	mosq = mosquitto_new(o.client_id ? o.client_id : id, true, NULL);
	if (!mosq) {
		util_err("cannot make an MQTT client: %s", strerror(errno));
		return 1;
	}
	snprintf(t, sizeof(t), "%s/bridge/availability", o.prefix);
	mosquitto_will_set(mosq, t, 7, "offline", o.qos, true);
	if (o.user && mosquitto_username_pw_set(mosq, o.user, o.password))
		return 1;
	if (o.tls) {
		r = mosquitto_tls_set(mosq, o.cafile, o.capath ? o.capath :
				      o.cafile ? NULL : "/etc/ssl/certs",
				      o.cert, o.key, NULL);
		if (!r && o.tls_insecure)
			r = mosquitto_tls_insecure_set(mosq, true);
		if (r) {
			util_err("TLS: %s", mosquitto_strerror(r));
			return 1;
		}
	}
	mosquitto_connect_callback_set(mosq, on_connect);
	mosquitto_disconnect_callback_set(mosq, on_disconnect);
	mosquitto_publish_callback_set(mosq, on_publish);
	mosquitto_reconnect_delay_set(mosq, 1, 30, true);
	r = mosquitto_connect(mosq, o.host, o.port, o.keepalive);
	if (r) {
		util_err("broker %s: %s", o.broker,
			 r == MOSQ_ERR_ERRNO ? strerror(errno) :
			 mosquitto_strerror(r));
		return 1;
	}
	/* the broker's answer before anything else: credentials */
	for (end = util_now_ms() + 10000; connack < 0 && util_now_ms() < end;) {
		r = mosquitto_loop(mosq, 100, 1);
		if (r && r != MOSQ_ERR_NO_CONN && connack < 0) {
			util_err("broker %s: %s", o.broker,
				 r == MOSQ_ERR_ERRNO ? strerror(errno) :
				 mosquitto_strerror(r));
			return 1;
		}
	}
	if (connack) {
		if (connack < 0)
			util_err("broker %s: no answer to CONNECT within 10 s",
				 o.broker);
		return 1;	/* refused: on_connect said why */
	}
	r = mosquitto_loop_start(mosq);
	if (r) {
		util_err("cannot start the MQTT thread: %s",
			 mosquitto_strerror(r));
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };
	static const u16 std_regs[] = {
		KMP_REG_HEAT_ENERGY, KMP_REG_POWER, KMP_REG_TEMP1,
		KMP_REG_TEMP2, KMP_REG_TEMP_DIFF, KMP_REG_FLOW,
		KMP_REG_VOLUME, 0x03ec,	/* hour counter */
		KMP_REG_INFO_CODE,	/* its alarm: a 2nd request (9 ids) */
	};
	long long next;
	unsigned int i;
	char t[256];
	int ret;

	util_prog = "kmp-mqtt";
	ret = parse_args(argc, argv);
	if (ret >= 0)
		return ret;
	if (kopts.tty && !src.nregs)
		for (i = 0; i < ARRAY_SIZE(std_regs); i++)
			src.regs[src.nregs++] = std_regs[i];
	if (pipe(wake))
		return 1;
	for (i = 0; i < 2; i++) {
		int fl = fcntl(wake[i], F_GETFL);

		fcntl(wake[i], F_SETFL, fl | O_NONBLOCK);
	}
	signal(SIGPIPE, SIG_IGN);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	ret = mq_source_open(&src);
	if (ret) {
		mq_source_close(&src);
		return -ret;
	}
	mosquitto_lib_init();
	ret = connect_broker();
	if (ret)
		goto out;

	for (next = util_now_ms(); !stop;) {
		if (__atomic_exchange_n(&announce, 0, __ATOMIC_ACQ_REL))
			for (i = 0; i < src.n; i++)
				if (src.m[i].identified)
					announce_meter(&src.m[i]);
		if (util_now_ms() >= next) {
			for (i = 0; i < src.n && !stop; i++)
				read_and_publish(&src.m[i]);
			next += o.interval * 1000LL;
			if (next < util_now_ms())
				next = util_now_ms() + o.interval * 1000LL;
			if (o.once) {
				for (i = 0; i < src.n; i++)
					ret |= !src.m[i].available;
				break;
			}
		}
		wait_until(next);
	}
	/* a clean goodbye: the will is for unclean ones */
	snprintf(t, sizeof(t), "%s/bridge/availability", o.prefix);
	publish(t, "offline", true);
	drain();
	mosquitto_disconnect(mosq);
	mosquitto_loop_stop(mosq, false);
out:
	if (mosq)
		mosquitto_destroy(mosq);
	mosquitto_lib_cleanup();
	mq_source_close(&src);
	return ret;
}
