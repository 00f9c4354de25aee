/*
 * libotrpeer: an OTR client built on libotr, driven over stdin/stdout.
 * Part of offrecord's tests (AGPL-3.0-or-later); see ../driver.go for the
 * line protocol. One process is one local account with one instance tag.
 *
 *   libotrpeer ACCOUNT [PROTOCOL]
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <gcrypt.h>
#include <libotr/proto.h>
#include <libotr/userstate.h>
#include <libotr/message.h>
#include <libotr/privkey.h>
#include <libotr/instag.h>
#include <libotr/tlv.h>
#include <libotr/b64.h>

static OtrlUserState us;
static const char *account;
static const char *protocol = "xmpp";
static OtrlPolicy policy = OTRL_POLICY_MANUAL;
static int fragsize = 0;
static int injected = 0;

static void out_b64(const unsigned char *data, size_t len)
{
	if (len == 0) {
		fputs("-", stdout);
		return;
	}
	char *buf = malloc(((len + 2) / 3) * 4 + 1);
	size_t n = otrl_base64_encode(buf, data, len);
	buf[n] = '\0';
	fputs(buf, stdout);
	free(buf);
}

/* in_b64 decodes s into a NUL-terminated malloc'd buffer; "-" is empty. */
static unsigned char *in_b64(const char *s, size_t *lenp)
{
	if (s == NULL) {
		return NULL;
	}
	if (strcmp(s, "-") == 0) {
		*lenp = 0;
		return (unsigned char *)calloc(1, 1);
	}
	size_t slen = strlen(s);
	unsigned char *buf = malloc(slen / 4 * 3 + 4);
	*lenp = otrl_base64_decode(buf, s, slen);
	buf[*lenp] = '\0';
	return buf;
}

static void hex20(const unsigned char fp[20])
{
	for (int i = 0; i < 20; i++) {
		printf("%02X", fp[i]);
	}
}

static const char *peer_of(ConnContext *c) { return c ? c->username : "-"; }

static OtrlPolicy op_policy(void *o, ConnContext *c) { return policy; }

static void op_create_privkey(void *o, const char *a, const char *p)
{
	FILE *f = tmpfile();
	otrl_privkey_generate_FILEp(us, f, a, p);
	fclose(f);
}

static int op_is_logged_in(void *o, const char *a, const char *p, const char *r) { return 1; }

static void op_inject(void *o, const char *a, const char *p, const char *r, const char *msg)
{
	injected++;
	printf("inject %s ", r);
	out_b64((const unsigned char *)msg, strlen(msg));
	printf("\n");
	fflush(stdout);
}

static void op_update_context_list(void *o) {}
static void op_new_fingerprint(void *o, OtrlUserState u, const char *a, const char *p, const char *user, unsigned char fp[20]) {}
static void op_write_fingerprints(void *o) {}

static void op_gone_secure(void *o, ConnContext *c)
{
	printf("secure %s v%u ", peer_of(c), c->protocol_version);
	if (c->active_fingerprint) {
		hex20(c->active_fingerprint->fingerprint);
	} else {
		printf("-");
	}
	printf("\n");
	fflush(stdout);
}

static void op_gone_insecure(void *o, ConnContext *c)
{
	printf("insecure %s\n", peer_of(c));
	fflush(stdout);
}

static void op_still_secure(void *o, ConnContext *c, int is_reply)
{
	printf("stillsecure %s\n", peer_of(c));
	fflush(stdout);
}

static int op_max_message_size(void *o, ConnContext *c) { return fragsize; }
static const char *op_account_name(void *o, const char *a, const char *p) { return a; }
static void op_account_name_free(void *o, const char *n) {}

static const char *op_error_message(void *o, ConnContext *c, OtrlErrorCode code)
{
	switch (code) {
	case OTRL_ERRCODE_ENCRYPTION_ERROR:
		return "Error occurred encrypting message.";
	case OTRL_ERRCODE_MSG_NOT_IN_PRIVATE:
		return "You sent encrypted data which was unexpected.";
	case OTRL_ERRCODE_MSG_UNREADABLE:
		return "You transmitted an unreadable encrypted message.";
	case OTRL_ERRCODE_MSG_MALFORMED:
		return "You transmitted a malformed data message.";
	default:
		return "OTR error.";
	}
}
static void op_error_message_free(void *o, const char *m) {}
static const char *op_resent_prefix(void *o, ConnContext *c) { return "[resent]"; }
static void op_resent_prefix_free(void *o, const char *p) {}

static void op_smp_event(void *o, OtrlSMPEvent e, ConnContext *c, unsigned short pct, char *question)
{
	printf("smp %s ", peer_of(c));
	switch (e) {
	case OTRL_SMPEVENT_ASK_FOR_SECRET:
		printf("askforsecret");
		break;
	case OTRL_SMPEVENT_ASK_FOR_ANSWER:
		printf("askforanswer ");
		out_b64((const unsigned char *)question, question ? strlen(question) : 0);
		break;
	case OTRL_SMPEVENT_IN_PROGRESS:
		printf("inprogress");
		break;
	case OTRL_SMPEVENT_SUCCESS:
		printf("success");
		break;
	case OTRL_SMPEVENT_FAILURE:
		printf("failure");
		break;
	case OTRL_SMPEVENT_ABORT:
		printf("abort");
		break;
	case OTRL_SMPEVENT_CHEATED:
		printf("cheated");
		otrl_message_abort_smp(us, (OtrlMessageAppOps *)o, o, c);
		break;
	case OTRL_SMPEVENT_ERROR:
		printf("error");
		otrl_message_abort_smp(us, (OtrlMessageAppOps *)o, o, c);
		break;
	default:
		printf("none");
	}
	printf("\n");
	fflush(stdout);
}

static const char *msg_event_name(OtrlMessageEvent e)
{
	switch (e) {
	case OTRL_MSGEVENT_ENCRYPTION_REQUIRED: return "encryption_required";
	case OTRL_MSGEVENT_ENCRYPTION_ERROR: return "encryption_error";
	case OTRL_MSGEVENT_CONNECTION_ENDED: return "connection_ended";
	case OTRL_MSGEVENT_SETUP_ERROR: return "setup_error";
	case OTRL_MSGEVENT_MSG_REFLECTED: return "msg_reflected";
	case OTRL_MSGEVENT_MSG_RESENT: return "msg_resent";
	case OTRL_MSGEVENT_RCVDMSG_NOT_IN_PRIVATE: return "rcvdmsg_not_in_private";
	case OTRL_MSGEVENT_RCVDMSG_UNREADABLE: return "rcvdmsg_unreadable";
	case OTRL_MSGEVENT_RCVDMSG_MALFORMED: return "rcvdmsg_malformed";
	case OTRL_MSGEVENT_LOG_HEARTBEAT_RCVD: return "heartbeat_rcvd";
	case OTRL_MSGEVENT_LOG_HEARTBEAT_SENT: return "heartbeat_sent";
	case OTRL_MSGEVENT_RCVDMSG_GENERAL_ERR: return "rcvdmsg_general_err";
	case OTRL_MSGEVENT_RCVDMSG_UNENCRYPTED: return "rcvdmsg_unencrypted";
	case OTRL_MSGEVENT_RCVDMSG_UNRECOGNIZED: return "rcvdmsg_unrecognized";
	case OTRL_MSGEVENT_RCVDMSG_FOR_OTHER_INSTANCE: return "rcvdmsg_for_other_instance";
	default: return "none";
	}
}

static void op_msg_event(void *o, OtrlMessageEvent e, ConnContext *c, const char *m, gcry_error_t err)
{
	printf("event %s %s\n", peer_of(c), msg_event_name(e));
	fflush(stdout);
}

static void op_create_instag(void *o, const char *a, const char *p)
{
	FILE *f = tmpfile();
	otrl_instag_generate_FILEp(us, f, a, p);
	fclose(f);
}

static OtrlMessageAppOps ops = {
	.policy = op_policy,
	.create_privkey = op_create_privkey,
	.is_logged_in = op_is_logged_in,
	.inject_message = op_inject,
	.update_context_list = op_update_context_list,
	.new_fingerprint = op_new_fingerprint,
	.write_fingerprints = op_write_fingerprints,
	.gone_secure = op_gone_secure,
	.gone_insecure = op_gone_insecure,
	.still_secure = op_still_secure,
	.max_message_size = op_max_message_size,
	.account_name = op_account_name,
	.account_name_free = op_account_name_free,
	.otr_error_message = op_error_message,
	.otr_error_message_free = op_error_message_free,
	.resent_msg_prefix = op_resent_prefix,
	.resent_msg_prefix_free = op_resent_prefix_free,
	.handle_smp_event = op_smp_event,
	.handle_msg_event = op_msg_event,
	.create_instag = op_create_instag,
};

static ConnContext *best(const char *peer)
{
	return otrl_context_find(us, peer, account, protocol, OTRL_INSTAG_BEST, 0, NULL, NULL, NULL);
}

static int set_policy(const char *p)
{
	if (strcmp(p, "manual") == 0) policy = OTRL_POLICY_MANUAL;
	else if (strcmp(p, "opportunistic") == 0) policy = OTRL_POLICY_OPPORTUNISTIC;
	else if (strcmp(p, "always") == 0) policy = OTRL_POLICY_ALWAYS;
	else if (strcmp(p, "never") == 0) policy = OTRL_POLICY_NEVER;
	else if (strcmp(p, "v2only") == 0) policy = OTRL_POLICY_ALLOW_V2;
	else if (strcmp(p, "v3only") == 0) policy = OTRL_POLICY_ALLOW_V3;
	else return -1;
	return 0;
}

static const char *state_name(ConnContext *c)
{
	if (!c) return "plaintext";
	switch (c->msgstate) {
	case OTRL_MSGSTATE_ENCRYPTED: return "encrypted";
	case OTRL_MSGSTATE_FINISHED: return "finished";
	default: return "plaintext";
	}
}

/* run executes one command line; it returns an error text or NULL. */
static const char *run(char *line)
{
	char *save = NULL;
	char *cmd = strtok_r(line, " ", &save);
	char *a1 = strtok_r(NULL, " ", &save);
	char *a2 = strtok_r(NULL, " ", &save);
	char *a3 = strtok_r(NULL, " ", &save);
	size_t len = 0, len2 = 0;

	if (cmd == NULL) return "empty command";
	if (strcmp(cmd, "policy") == 0) {
		return (a1 && set_policy(a1) == 0) ? NULL : "unknown policy";
	}
	if (strcmp(cmd, "fragsize") == 0) {
		if (!a1) return "missing size";
		fragsize = atoi(a1);
		return NULL;
	}
	if (a1 == NULL) return "missing peer";
	if (strcmp(cmd, "query") == 0) {
		char *q = otrl_proto_default_query_msg(account, policy);
		if (!q) return "no query for this policy";
		op_inject(NULL, account, protocol, a1, q);
		free(q);
		return NULL;
	}
	if (strcmp(cmd, "send") == 0) {
		unsigned char *text = in_b64(a2, &len);
		char *newmsg = NULL;
		if (!text) return "missing text";
		injected = 0;
		gcry_error_t err = otrl_message_sending(us, &ops, &ops, account, protocol, a1,
			OTRL_INSTAG_BEST, (char *)text, NULL, &newmsg, OTRL_FRAGMENT_SEND_ALL, NULL, NULL, NULL);
		if (!err && injected == 0 && newmsg == NULL) {
			op_inject(NULL, account, protocol, a1, (char *)text);
		}
		otrl_message_free(newmsg);
		free(text);
		return err ? "sending failed" : NULL;
	}
	if (strcmp(cmd, "recv") == 0) {
		unsigned char *wire = in_b64(a2, &len);
		char *newmsg = NULL;
		OtrlTLV *tlvs = NULL;
		ConnContext *ctx = NULL;
		if (!wire) return "missing wire text";
		int ignore = otrl_message_receiving(us, &ops, &ops, account, protocol, a1,
			(char *)wire, &newmsg, &tlvs, &ctx, NULL, NULL);
		if (!ignore) {
			const char *text = newmsg ? newmsg : (const char *)wire;
			int enc = ctx && ctx->msgstate == OTRL_MSGSTATE_ENCRYPTED && strncmp((const char *)wire, "?OTR", 4) == 0;
			printf("msg %s %s ", a1, enc ? "enc" : "plain");
			out_b64((const unsigned char *)text, strlen(text));
			printf("\n");
		}
		if (tlvs && otrl_tlv_find(tlvs, OTRL_TLV_DISCONNECTED)) {
			printf("finished %s\n", a1);
		}
		fflush(stdout);
		otrl_tlv_free(tlvs);
		otrl_message_free(newmsg);
		free(wire);
		return NULL;
	}
	if (strcmp(cmd, "end") == 0) {
		otrl_message_disconnect_all_instances(us, &ops, &ops, account, protocol, a1);
		return NULL;
	}
	if (strcmp(cmd, "forget") == 0) {
		for (ConnContext *c = us->context_root; c; c = c->next) {
			if (strcmp(c->username, a1) == 0 && strcmp(c->accountname, account) == 0)
				otrl_context_force_plaintext(c);
		}
		return NULL;
	}
	if (strcmp(cmd, "status") == 0) {
		ConnContext *c = best(a1);
		printf("status %s %s v%u ", a1, state_name(c), c ? c->protocol_version : 0);
		if (c && c->active_fingerprint && c->msgstate == OTRL_MSGSTATE_ENCRYPTED) {
			hex20(c->active_fingerprint->fingerprint);
		} else {
			printf("-");
		}
		printf(" %08X\n", c ? c->their_instance : 0);
		fflush(stdout);
		return NULL;
	}
	ConnContext *c = best(a1);
	if (!c) return "no context";
	if (strcmp(cmd, "smp") == 0) {
		unsigned char *secret = in_b64(a2, &len);
		if (!secret) return "missing secret";
		otrl_message_initiate_smp(us, &ops, &ops, c, secret, len);
		free(secret);
		return NULL;
	}
	if (strcmp(cmd, "smpq") == 0) {
		unsigned char *q = in_b64(a2, &len);
		unsigned char *secret = in_b64(a3, &len2);
		if (!q || !secret) { free(q); free(secret); return "missing question or secret"; }
		otrl_message_initiate_smp_q(us, &ops, &ops, c, (char *)q, secret, len2);
		free(q);
		free(secret);
		return NULL;
	}
	if (strcmp(cmd, "smpanswer") == 0) {
		unsigned char *secret = in_b64(a2, &len);
		if (!secret) return "missing secret";
		otrl_message_respond_smp(us, &ops, &ops, c, secret, len);
		free(secret);
		return NULL;
	}
	if (strcmp(cmd, "smpabort") == 0) {
		otrl_message_abort_smp(us, &ops, &ops, c);
		return NULL;
	}
	return "unknown command";
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: libotrpeer ACCOUNT [PROTOCOL]\n");
		return 2;
	}
	account = argv[1];
	if (argc > 2) protocol = argv[2];
	OTRL_INIT;
	us = otrl_userstate_create();

	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	op_create_privkey(NULL, account, protocol);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	op_create_instag(NULL, account, protocol);

	char fp[OTRL_PRIVKEY_FPRINT_HUMAN_LEN];
	if (!otrl_privkey_fingerprint(us, fp, account, protocol)) {
		fprintf(stderr, "libotrpeer: key generation failed\n");
		return 1;
	}
	char hex[41];
	int j = 0;
	for (int i = 0; fp[i] && j < 40; i++) {
		if (fp[i] != ' ') hex[j++] = fp[i];
	}
	hex[j] = '\0';
	long keygen_us = (t1.tv_sec - t0.tv_sec) * 1000000L + (t1.tv_nsec - t0.tv_nsec) / 1000;
	printf("ready %08X %s %ld\n", otrl_instag_find(us, account, protocol)->instag, hex, keygen_us);
	fflush(stdout);

	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	while ((n = getline(&line, &cap, stdin)) > 0) {
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r')) line[--n] = '\0';
		if (strcmp(line, "quit") == 0) break;
		char cmd[32] = {0};
		sscanf(line, "%31s", cmd);
		const char *err = run(line);
		if (err) printf("err %s %s\n", cmd, err);
		else printf("ok %s\n", cmd);
		fflush(stdout);
	}
	free(line);
	otrl_userstate_free(us);
	return 0;
}
