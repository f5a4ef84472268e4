/* See domain_config_json.h. */
#include "domain_config_json.h"

#include <stdio.h>

static void add_string_or_null(cJSON *o, const char *key, const char *s)
{
	if (s)
		cJSON_AddStringToObject(o, key, s);
	else
		cJSON_AddNullToObject(o, key);
}

cJSON *domcfg_to_json(const struct domain_config *cfg)
{
	cJSON *o = cJSON_CreateObject();
	char text[64];

	if (!o)
		return NULL;
	cJSON_AddStringToObject(o, "name", cfg->name);
	if (cfg->has_uuid) {
		domcfg_uuid_format(cfg->uuid, text);
		cJSON_AddStringToObject(o, "uuid", text);
	} else {
		cJSON_AddNullToObject(o, "uuid");
	}
	cJSON_AddNumberToObject(o, "memory", (double)cfg->memory_mib);
	cJSON_AddNumberToObject(o, "maxmem", (double)cfg->maxmem_mib);
	cJSON_AddNumberToObject(o, "vcpus", cfg->vcpus);
	cJSON_AddNumberToObject(o, "maxvcpus", cfg->maxvcpus);
	add_string_or_null(o, "cpus", cfg->cpus);
	cJSON_AddNumberToObject(o, "cpu_weight", cfg->cpu_weight);
	cJSON_AddNumberToObject(o, "cap", cfg->cap);
	add_string_or_null(o, "kernel", cfg->kernel);
	add_string_or_null(o, "ramdisk", cfg->ramdisk);
	add_string_or_null(o, "cmdline", cfg->cmdline);
	cJSON *disks = cJSON_AddArrayToObject(o, "disk");
	for (int i = 0; i < cfg->ndisks; i++) {
		cJSON *d = cJSON_CreateObject();
		cJSON_AddStringToObject(d, "target", cfg->disk[i].target);
		cJSON_AddStringToObject(d, "vdev", cfg->disk[i].vdev);
		snprintf(text, sizeof(text), "vd%c", 'a' + i);
		cJSON_AddStringToObject(d, "guest_device", text);
		cJSON_AddStringToObject(d, "access", cfg->disk[i].readonly ? "ro" : "rw");
		cJSON_AddItemToArray(disks, d);
	}
	cJSON *vifs = cJSON_AddArrayToObject(o, "vif");
	for (int i = 0; i < cfg->nvifs; i++) {
		const struct domcfg_vif *v = &cfg->vif[i];
		cJSON *j = cJSON_CreateObject();
		cJSON_AddStringToObject(j, "bridge", v->bridge);
		if (v->vifname[0])
			cJSON_AddStringToObject(j, "vifname", v->vifname);
		else
			cJSON_AddNullToObject(j, "vifname");
		if (v->has_mac) {
			snprintf(text, sizeof(text), "%02x:%02x:%02x:%02x:%02x:%02x", v->mac[0], v->mac[1],
				 v->mac[2], v->mac[3], v->mac[4], v->mac[5]);
			cJSON_AddStringToObject(j, "mac", text);
		} else {
			cJSON_AddNullToObject(j, "mac");
		}
		if (v->has_rate) {
			cJSON *r = cJSON_AddObjectToObject(j, "rate");
			cJSON_AddNumberToObject(r, "bytes_per_sec", (double)v->rate.bytes_per_sec);
			cJSON_AddNumberToObject(r, "interval_us", v->rate.interval_us);
		} else {
			cJSON_AddNullToObject(j, "rate");
		}
		cJSON_AddItemToArray(vifs, j);
	}
	cJSON_AddStringToObject(o, "on_poweroff", domcfg_action_name(cfg->on_poweroff));
	cJSON_AddStringToObject(o, "on_reboot", domcfg_action_name(cfg->on_reboot));
	cJSON_AddStringToObject(o, "on_crash", domcfg_action_name(cfg->on_crash));
	cJSON_AddBoolToObject(o, "autostart", cfg->autostart);
	return o;
}
