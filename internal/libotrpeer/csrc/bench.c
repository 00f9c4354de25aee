/*
 * libotrbench: libotr 4.1 costs measured in-process, for comparison with
 * offrecord's otr package (AGPL-3.0-or-later). Prints "name value unit" lines.
 *
 *   libotrbench [SESSIONS]
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <malloc.h>
#include <gcrypt.h>
#include <libotr/proto.h>
#include <libotr/userstate.h>
#include <libotr/message.h>
#include <libotr/privkey.h>
#include <libotr/instag.h>

/* Two parties in one process; a queue carries injected wire text. */
struct party { OtrlUserState us; const char *name; };
static struct party A = {0, "alice"}, B = {0, "bob"};

struct item { struct party *to; char *from; char *msg; struct item *next; };
static struct item *head, *tail;

static void enqueue(struct party *to, const char *from, const char *msg)
{
	struct item *it = calloc(1, sizeof *it);
	it->to = to; it->from = strdup(from); it->msg = strdup(msg);
	if (tail) tail->next = it; else head = it;
	tail = it;
}

static OtrlPolicy op_policy(void *o, ConnContext *c) { return OTRL_POLICY_MANUAL; }
static int op_logged_in(void *o, const char *a, const char *p, const char *r) { return 1; }
static void op_inject(void *o, const char *a, const char *p, const char *r, const char *msg)
{
	struct party *from = o;
	enqueue(from == &A ? &B : &A, a, msg);
}
static const char *op_account_name(void *o, const char *a, const char *p) { return a; }
static void op_account_name_free(void *o, const char *n) {}
static void op_create_instag(void *o, const char *a, const char *p)
{
	struct party *pt = o;
	FILE *f = tmpfile();
	otrl_instag_generate_FILEp(pt->us, f, a, p);
	fclose(f);
}

static OtrlMessageAppOps ops = {
	.policy = op_policy, .is_logged_in = op_logged_in, .inject_message = op_inject,
	.account_name = op_account_name, .account_name_free = op_account_name_free,
	.create_instag = op_create_instag,
};

static char *last_plain;

/* pump delivers queued wire text until the queue is empty. */
static void pump(void)
{
	while (head) {
		struct item *it = head;
		head = it->next;
		if (!head) tail = NULL;
		struct party *to = it->to;
		char *newmsg = NULL;
		OtrlTLV *tlvs = NULL;
		int ignore = otrl_message_receiving(to->us, &ops, to, to->name, "xmpp", it->from, it->msg,
			&newmsg, &tlvs, NULL, NULL, NULL);
		if (!ignore && newmsg) { free(last_plain); last_plain = strdup(newmsg); }
		otrl_tlv_free(tlvs);
		otrl_message_free(newmsg);
		free(it->from); free(it->msg); free(it);
	}
}

static void send_msg(struct party *from, const char *to, const char *text)
{
	char *newmsg = NULL;
	otrl_message_sending(from->us, &ops, from, from->name, "xmpp", to, OTRL_INSTAG_BEST, text,
		NULL, &newmsg, OTRL_FRAGMENT_SEND_ALL, NULL, NULL, NULL);
	otrl_message_free(newmsg);
	pump();
}

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static void keygen(struct party *p)
{
	FILE *f = tmpfile();
	otrl_privkey_generate_FILEp(p->us, f, p->name, "xmpp");
	fclose(f);
}

/* ake runs a full AKE between alice and peer name (bob's account is `peer`). */
static int ake(const char *bobname, const char *aliceview)
{
	B.name = bobname;
	char *q = otrl_proto_default_query_msg("alice", OTRL_POLICY_MANUAL);
	enqueue(&B, "alice", q);
	free(q);
	pump();
	ConnContext *c = otrl_context_find(A.us, bobname, "alice", "xmpp", OTRL_INSTAG_BEST, 0, NULL, NULL, NULL);
	return c && c->msgstate == OTRL_MSGSTATE_ENCRYPTED;
}

int main(int argc, char **argv)
{
	int sessions = argc > 1 ? atoi(argv[1]) : 1000;
	OTRL_INIT;
	A.us = otrl_userstate_create();
	B.us = otrl_userstate_create();

	int n = 5;
	double t0 = now();
	for (int i = 0; i < n; i++) {
		OtrlUserState tmp = otrl_userstate_create();
		struct party p = {tmp, "k"};
		keygen(&p);
		otrl_userstate_free(tmp);
	}
	printf("keygen %.0f ns\n", (now() - t0) / n * 1e9);

	keygen(&A);
	/* One key per bob account name is costly; bob uses one account for all. */
	B.name = "bob";
	keygen(&B);

	/* AKE: alice with bob, ended and restarted each round. */
	n = 50;
	t0 = now();
	for (int i = 0; i < n; i++) {
		if (!ake("bob", "alice")) { fprintf(stderr, "AKE failed\n"); return 1; }
		otrl_message_disconnect_all_instances(A.us, &ops, &A, "alice", "xmpp", "bob");
		pump();
		otrl_message_disconnect_all_instances(B.us, &ops, &B, "bob", "xmpp", "alice");
		pump();
	}
	printf("ake %.0f ns\n", (now() - t0) / n * 1e9);

	if (!ake("bob", "alice")) return 1;
	int sizes[2] = {100, 4096};
	for (int s = 0; s < 2; s++) {
		char *text = malloc(sizes[s] + 1);
		memset(text, 'x', sizes[s]);
		text[sizes[s]] = 0;
		n = 400;
		t0 = now();
		for (int i = 0; i < n; i++) {
			if (i % 2 == 0) send_msg(&A, "bob", text);
			else send_msg(&B, "alice", text);
		}
		double per = (now() - t0) / n;
		if (!last_plain || strcmp(last_plain, text) != 0) { fprintf(stderr, "message mismatch\n"); return 1; }
		printf("msg%d %.0f ns\n", sizes[s], per * 1e9);
		free(text);
	}

	/* Memory: `sessions` established contexts for alice (and bob's side). */
	malloc_trim(0);
	struct mallinfo2 m0 = mallinfo2();
	char name[32];
	for (int i = 0; i < sessions; i++) {
		snprintf(name, sizeof name, "bob%d", i);
		/* bob answers as account "bob" with its one key; alice sees peer bob%d */
		B.name = "bob";
		char *q = otrl_proto_default_query_msg("alice", OTRL_POLICY_MANUAL);
		enqueue(&B, "alice", q);
		free(q);
		/* route bob's answers as if from bob%d: rename on delivery */
		while (head) {
			struct item *it = head;
			head = it->next;
			if (!head) tail = NULL;
			struct party *to = it->to;
			const char *from = to == &A ? name : "alice";
			const char *as = to == &A ? "alice" : name;
			char *newmsg = NULL;
			OtrlTLV *tlvs = NULL;
			otrl_message_receiving(to->us, &ops, to, to == &A ? "alice" : "bob", "xmpp", from, it->msg,
				&newmsg, &tlvs, NULL, NULL, NULL);
			(void)as;
			otrl_tlv_free(tlvs);
			otrl_message_free(newmsg);
			free(it->from); free(it->msg); free(it);
		}
	}
	struct mallinfo2 m1 = mallinfo2();
	int ok = 0;
	for (ConnContext *c = A.us->context_root; c; c = c->next)
		if (c->msgstate == OTRL_MSGSTATE_ENCRYPTED) ok++;
	printf("sessions %d established\n", ok);
	printf("session_bytes %.0f bytes\n", (double)(m1.uordblks - m0.uordblks) / sessions); /* alice's side only: bob reuses one context */
	return 0;
}
