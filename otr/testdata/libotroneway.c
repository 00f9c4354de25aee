/*
 * libotroneway: libotr 4.1 cost of one-direction messages, measured
 * in-process, for comparison with offrecord's otr package
 * (AGPL-3.0-or-later). Alice sends N 100-byte messages to bob and bob never
 * answers (no key rotation), as when a user pastes many lines. Prints
 * "name value unit" lines: the cost per message (elapsed and CPU time),
 * the wire size of the first and the last message, of bob's answer and of
 * alice's next message; then the cost of N 255-byte messages, whose 256
 * bytes of plaintext (with the NUL) are what otr3 encrypts for a 100-byte
 * message, which it pads: the same work for the primitives, the same wire size.
 *
 *   libotroneway [N]
 */
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

struct party { OtrlUserState us; const char *name; };
static struct party A = {0, "alice"}, B = {0, "bob"};

/* The wire text of the last message each party injected. */
struct item { struct party *to; char *msg; struct item *next; };
static struct item *head, *tail;
static size_t last_len;

static void enqueue(struct party *to, const char *msg)
{
	struct item *it = calloc(1, sizeof *it);
	it->to = to;
	it->msg = strdup(msg);
	if (tail) tail->next = it; else head = it;
	tail = it;
}

static OtrlPolicy op_policy(void *o, ConnContext *c) { return OTRL_POLICY_MANUAL; }
static int op_logged_in(void *o, const char *a, const char *p, const char *r) { return 1; }
static void op_inject(void *o, const char *a, const char *p, const char *r, const char *msg)
{
	struct party *from = o;
	enqueue(from == &A ? &B : &A, msg);
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

static void pump(void)
{
	while (head) {
		struct item *it = head;
		head = it->next;
		if (!head) tail = NULL;
		struct party *to = it->to;
		const char *from = to == &A ? B.name : A.name;
		char *newmsg = NULL;
		OtrlTLV *tlvs = NULL;
		int ignore = otrl_message_receiving(to->us, &ops, to, to->name, "xmpp", from, it->msg,
			&newmsg, &tlvs, NULL, NULL, NULL);
		if (!ignore && newmsg) { free(last_plain); last_plain = strdup(newmsg); }
		otrl_tlv_free(tlvs);
		otrl_message_free(newmsg);
		free(it->msg); free(it);
	}
}

/* send_msg encrypts text from alice to bob and delivers it; returns the wire size. */
static size_t send_msg(const char *text)
{
	char *newmsg = NULL;
	otrl_message_sending(A.us, &ops, &A, A.name, "xmpp", B.name, OTRL_INSTAG_BEST, text,
		NULL, &newmsg, OTRL_FRAGMENT_SEND_ALL, NULL, NULL, NULL);
	otrl_message_free(newmsg);
	size_t n = tail ? strlen(tail->msg) : 0;
	pump();
	return n;
}

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static double cpu(void)
{
	struct timespec t;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static void keygen(struct party *p)
{
	FILE *f = tmpfile();
	otrl_privkey_generate_FILEp(p->us, f, p->name, "xmpp");
	fclose(f);
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 1000;
	OTRL_INIT;
	A.us = otrl_userstate_create();
	B.us = otrl_userstate_create();
	keygen(&A);
	keygen(&B);

	char *q = otrl_proto_default_query_msg(A.name, OTRL_POLICY_MANUAL);
	enqueue(&B, q);
	free(q);
	pump();
	ConnContext *c = otrl_context_find(A.us, B.name, A.name, "xmpp", OTRL_INSTAG_BEST, 0, NULL, NULL, NULL);
	if (!c || c->msgstate != OTRL_MSGSTATE_ENCRYPTED) { fprintf(stderr, "AKE failed\n"); return 1; }
	/* One message each way, as after a greeting: keys have rotated once. */
	send_msg("hello");
	char *back = NULL;
	otrl_message_sending(B.us, &ops, &B, B.name, "xmpp", A.name, OTRL_INSTAG_BEST, "hi",
		NULL, &back, OTRL_FRAGMENT_SEND_ALL, NULL, NULL, NULL);
	otrl_message_free(back);
	pump();

	char text[101];
	memset(text, 'x', 100);
	text[100] = 0;
	size_t first = 0;
	double t0 = now(), c0 = cpu();
	for (int i = 0; i < n; i++) {
		size_t sz = send_msg(text);
		if (i == 0) first = sz;
		last_len = sz;
	}
	double per = (now() - t0) / n, percpu = (cpu() - c0) / n;
	if (!last_plain || strcmp(last_plain, text) != 0) { fprintf(stderr, "message mismatch\n"); return 1; }
	printf("oneway100 %.0f ns\n", per * 1e9);
	printf("oneway100_cpu %.0f ns\n", percpu * 1e9);
	printf("first_wire %zu bytes\n", first);
	printf("last_wire %zu bytes\n", last_len);
	/* Bob answers, then alice writes again: the MAC keys revealed now. */
	otrl_message_sending(B.us, &ops, &B, B.name, "xmpp", A.name, OTRL_INSTAG_BEST, text,
		NULL, &back, OTRL_FRAGMENT_SEND_ALL, NULL, NULL, NULL);
	otrl_message_free(back);
	printf("reply_wire %zu bytes\n", tail ? strlen(tail->msg) : 0);
	pump();
	printf("next_wire %zu bytes\n", send_msg(text));

	char long_text[256];
	memset(long_text, 'x', 255);
	long_text[255] = 0;
	size_t long_wire = 0;
	t0 = now(), c0 = cpu();
	for (int i = 0; i < n; i++)
		long_wire = send_msg(long_text);
	per = (now() - t0) / n, percpu = (cpu() - c0) / n;
	if (!last_plain || strcmp(last_plain, long_text) != 0) { fprintf(stderr, "message mismatch\n"); return 1; }
	printf("oneway255 %.0f ns\n", per * 1e9);
	printf("oneway255_cpu %.0f ns\n", percpu * 1e9);
	printf("oneway255_wire %zu bytes\n", long_wire);
	return 0;
}
