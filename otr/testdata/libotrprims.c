/*
 * libotrprims: what libotr 4.1 spends on the primitives of one data
 * message, measured in-process, for comparison with offrecord's otr package
 * (AGPL-3.0-or-later) and the Go standard library's figures
 * (third_party/otr3, BenchmarkPrimitives). The calls are the ones libotr
 * makes per message (proto.c: gcry_cipher_reset/setctr/encrypt,
 * gcry_md_reset/write/read; b64.c: otrl_base64_otr_encode/decode, which
 * malloc their result), at the sizes of a one-way message of 100 bytes
 * ("libotr", unpadded, as libotr sends it) and of otr3's padded one
 * ("otr3"). Prints "name value ns" lines.
 *
 *   libotrprims [N]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <gcrypt.h>
#include <libotr/proto.h>
#include <libotr/b64.h>

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static volatile unsigned char sink;

static void run(const char *name, size_t binary, size_t macd, size_t payload, int n)
{
	unsigned char *msg = calloc(1, binary);
	unsigned char key[16] = {0}, mackey[20] = {0}, ctr[16] = {0};
	gcry_cipher_hd_t enc;
	gcry_md_hd_t mac;
	gcry_cipher_open(&enc, GCRY_CIPHER_AES, GCRY_CIPHER_MODE_CTR, GCRY_CIPHER_SECURE);
	gcry_cipher_setkey(enc, key, 16);
	gcry_md_open(&mac, GCRY_MD_SHA1, GCRY_MD_FLAG_HMAC);
	gcry_md_setkey(mac, mackey, 20);
	char *text = otrl_base64_otr_encode(msg, binary);

	double t0 = now();
	for (int i = 0; i < n; i++) {
		char *s = otrl_base64_otr_encode(msg, binary);
		sink ^= s[7];
		free(s);
	}
	printf("%s_base64_encode %.0f ns\n", name, (now() - t0) / n * 1e9);

	t0 = now();
	for (int i = 0; i < n; i++) {
		unsigned char *b = NULL;
		size_t len = 0;
		otrl_base64_otr_decode(text, &b, &len);
		sink ^= b[0];
		free(b);
	}
	printf("%s_base64_decode %.0f ns\n", name, (now() - t0) / n * 1e9);

	t0 = now();
	for (int i = 0; i < n; i++) {
		gcry_md_reset(mac);
		gcry_md_write(mac, msg, macd);
		sink ^= gcry_md_read(mac, GCRY_MD_SHA1)[0];
	}
	printf("%s_hmac_sha1 %.0f ns\n", name, (now() - t0) / n * 1e9);

	t0 = now();
	for (int i = 0; i < n; i++) {
		ctr[7] = (unsigned char)i;
		gcry_cipher_reset(enc);
		gcry_cipher_setctr(enc, ctr, 16);
		gcry_cipher_encrypt(enc, msg, payload, NULL, 0);
	}
	printf("%s_aes_ctr %.0f ns\n", name, (now() - t0) / n * 1e9);

	free(text);
	gcry_md_close(mac);
	gcry_cipher_close(enc);
	free(msg);
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 200000;
	OTRL_INIT;
	run("otr3", 510, 486, 256, n);
	run("libotr", 354, 331, 101, n);
	return 0;
}
