/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_render_xml.c: the XML writer of the standard exports
 * (src/render/xml.c): the five predefined entities, carriage returns, tabs
 * and line feeds in text and in attributes, characters XML 1.0 forbids and
 * bytes that are not UTF-8 (replaced by U+FFFD and counted), element
 * nesting and empty elements; and the identifier encoding of the exports
 * (src/render/standards.c), which must be one to one.
 */
#include "testutil.h"
#include "render/standards.h"
#include "render/xml.h"

/* Escapes "s" into a string; *replaced gets the count. Caller frees. */
static char *esc(const char *s, bool attr, uint64_t *replaced)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	uint64_t n = render_xml_escape(f, s, attr);
	fclose(f);
	if (replaced)
		*replaced = n;
	return buf;
}

static void expect(const char *in, bool attr, const char *want, uint64_t want_replaced)
{
	uint64_t rep = 99;
	char *got = esc(in, attr, &rep);
	if (strcmp(got, want) != 0)
		fail_msg("escape of '%s' gave '%s', expected '%s'", in, got, want);
	assert_int_equal(rep, want_replaced);
	free(got);
}

static void test_entities(void **state)
{
	(void)state;
	expect("a & b < c > d \"e\" 'f'", false,
	       "a &amp; b &lt; c &gt; d &quot;e&quot; &apos;f&apos;", 0);
	expect("]]>", false, "]]&gt;", 0);
	expect("", false, "", 0);
	expect("plain text", true, "plain text", 0);
}

static void test_whitespace(void **state)
{
	(void)state;
	expect("a\tb\nc\rd", false, "a\tb\nc&#13;d", 0);
	expect("a\tb\nc\rd", true, "a&#9;b&#10;c&#13;d", 0);
}

static void test_utf8_kept(void **state)
{
	(void)state;
	/* Azerbaijani, Cyrillic, a CJK character and one outside the BMP */
	expect("Şərq ğı öüç Ə Восток 東 \xf0\x9f\x97\xb3", false,
	       "Şərq ğı öüç Ə Восток 東 \xf0\x9f\x97\xb3", 0);
	/* U+FFFD itself and the last characters XML allows */
	expect("\xef\xbf\xbd \xef\xbf\xbc \xf4\x8f\xbf\xbf", false,
	       "\xef\xbf\xbd \xef\xbf\xbc \xf4\x8f\xbf\xbf", 0);
}

static void test_forbidden_replaced(void **state)
{
	(void)state;
	/* C0 controls other than tab, line feed, carriage return */
	expect("a\x01" "b\x07" "c\x1f", false, "a\xef\xbf\xbd" "b\xef\xbf\xbd" "c\xef\xbf\xbd", 3);
	/* U+FFFE and U+FFFF are not characters of XML 1.0 */
	expect("x\xef\xbf\xbey\xef\xbf\xbfz", true, "x\xef\xbf\xbdy\xef\xbf\xbdz", 2);
}

static void test_bad_utf8_replaced(void **state)
{
	(void)state;
	/* a lone continuation byte, a truncated sequence at the end, an
	 * overlong '/', a surrogate (U+D800), a code point above U+10FFFF,
	 * and bytes that never start a sequence */
	expect("a\x80" "b", false, "a\xef\xbf\xbd" "b", 1);
	expect("a\xc3", false, "a\xef\xbf\xbd", 1);
	expect("\xc0\xaf", false, "\xef\xbf\xbd\xef\xbf\xbd", 2);
	expect("\xed\xa0\x80", false, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd", 3);
	expect("\xf4\x90\x80\x80", false,
	       "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd", 4);
	expect("\xfe\xff", false, "\xef\xbf\xbd\xef\xbf\xbd", 2);
	/* a good character right after a bad byte survives */
	expect("\xc3\xc3\xa4", false, "\xef\xbf\xbd\xc3\xa4", 1);
}

static void test_document(void **state)
{
	(void)state;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	render_xml w;
	render_xml_init(&w, f);
	render_xml_begin(&w, "Root");
	render_xml_attr(&w, "a", "x\"<\x02");
	render_xml_begin(&w, "Empty");
	render_xml_end(&w);
	render_xml_leaf(&w, "Text", "1 < 2");
	render_xml_leaf_u64(&w, "N", 18446744073709551615ULL);
	render_xml_begin(&w, "Inner");
	render_xml_leaf(&w, "Deep", "");
	assert_int_equal(render_xml_finish(&w), 0); /* closes Inner and Root */
	fclose(f);
	assert_string_equal(buf, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	                         "<Root a=\"x&quot;&lt;\xef\xbf\xbd\">\n"
	                         "  <Empty/>\n"
	                         "  <Text>1 &lt; 2</Text>\n"
	                         "  <N>18446744073709551615</N>\n"
	                         "  <Inner>\n"
	                         "    <Deep></Deep>\n"
	                         "  </Inner>\n"
	                         "</Root>\n");
	assert_int_equal(w.replaced, 1);
	free(buf);
}

static void test_ids(void **state)
{
	(void)state;
	char a[STD_ID_MAX], b[STD_ID_MAX];
	assert_string_equal(std_id(a, "st-", "C001-001"), "st-C001-001");
	assert_string_equal(std_id(a, "st-", "12/345"), "st-12_2F345");
	assert_string_equal(std_id(a, "", "P1@D1"), "P1_40D1");
	assert_string_equal(std_id(a, "x", "a_b:c.d"), "xa_5Fb_3Ac.d");
	/* one to one: an id that looks like an encoding stays apart */
	assert_string_not_equal(std_id(a, "", "a/b"), std_id(b, "", "a_2Fb"));
	/* the longest id fits, every byte encoded */
	char longid[TALLY_MAX_ID_LEN + 1];
	memset(longid, '/', TALLY_MAX_ID_LEN);
	longid[TALLY_MAX_ID_LEN] = '\0';
	assert_int_equal(strlen(std_id(a, "contest-", longid)), 8 + 3 * TALLY_MAX_ID_LEN);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_entities),
		cmocka_unit_test(test_whitespace),
		cmocka_unit_test(test_utf8_kept),
		cmocka_unit_test(test_forbidden_replaced),
		cmocka_unit_test(test_bad_utf8_replaced),
		cmocka_unit_test(test_document),
		cmocka_unit_test(test_ids),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
