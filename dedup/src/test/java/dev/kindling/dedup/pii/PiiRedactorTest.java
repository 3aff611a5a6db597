package dev.kindling.dedup.pii;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.dedup.Document;
import dev.kindling.dedup.io.JsonlDocuments;
import dev.kindling.testing.SharedData;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PiiRedactorTest {
    private final PiiRedactor pii = PiiRedactor.defaults();

    @Test
    void redactsEachKindAndCounts() {
        var r = pii.redact("Write to jane.doe+news@mail.example.co.uk or bob@example.org. Server 192.168.1.20 and "
                + "2001:db8::8a2e:370:7334, loopback ::1 or fe80::1. Call (555) 123-4567, 555.987.6543, +1 555 222 3333 "
                + "or +44 20 7946 0958.");
        assertEquals("Write to <EMAIL> or <EMAIL>. Server <IP_ADDRESS> and <IP_ADDRESS>, loopback ::1 or "
                + "<IP_ADDRESS>. Call <PHONE_NUMBER>, <PHONE_NUMBER>, <PHONE_NUMBER> or <PHONE_NUMBER>.", r.text());
        assertEquals(2, r.counts().get(PiiKind.EMAIL));
        assertEquals(1, r.counts().get(PiiKind.IPV4));
        assertEquals(2, r.counts().get(PiiKind.IPV6));
        assertEquals(4, r.counts().get(PiiKind.PHONE));
    }

    /** An IPv6 address ending in dotted IPv4 (RFC 4291 2.2) is one address: one token, counted once, as IPv6. */
    @Test
    void ipv6WithEmbeddedIpv4IsOneAddress() {
        var r = pii.redact("from ::ffff:192.168.1.20 and 2001:db8::192.0.2.1.");
        assertEquals("from <IP_ADDRESS> and <IP_ADDRESS>.", r.text());
        assertEquals(0, r.counts().get(PiiKind.IPV4));
        assertEquals(2, r.counts().get(PiiKind.IPV6));
        // IPv6 alone must not stop at the first group of the IPv4 part ("2001:db8::192" + ".0.2.1" left)
        var onlyV6 = new PiiRedactor(Map.of(PiiKind.IPV6, "<IP>")).redact("at 2001:db8::192.0.2.1 now");
        assertEquals("at <IP> now", onlyV6.text());
    }

    /** "::" may stand for a single zero group (RFC 4291 2.2), so 7 groups are written and the text has 8 colons. */
    /** Addresses with an apostrophe or a non-ASCII letter in the local part are redacted whole (a prefix was left). */
    @Test
    void emailLocalPartsWithApostrophesAndLettersBeyondAscii() {
        var r = pii.redact("o'brien@example.com, éric@example.fr, 'bob@example.org' and jürgen.müller@example.de");
        assertEquals("<EMAIL>, <EMAIL>, '<EMAIL>' and <EMAIL>", r.text());
        assertEquals(4, r.counts().get(PiiKind.EMAIL));
    }

    /**
     * Every character RFC 5322 allows in a local part is part of the address, as in datatrove's PIIFormatter
     * ("bounce+a=" and "tom&" were left in front of the tag); symbols before its first letter or digit stay, as
     * datatrove's leading word boundary leaves them.
     */
    @Test
    void emailLocalPartsWithEveryRfc5322Symbol() {
        var r = pii.redact("bounce+a=b@example.com, tom&jerry@example.com, x!y#z$w%v&u*t/s=r?q^p_o`n{m|l}k~j@example.com, "
                + "`code@example.com`, {brace@example.com}, =lead@example.com and e\u0301ric@example.fr");
        assertEquals("<EMAIL>, <EMAIL>, <EMAIL>, `<EMAIL>`, {<EMAIL>}, =<EMAIL> and <EMAIL>", r.text());
        assertEquals(7, r.counts().get(PiiKind.EMAIL));
    }

    /** An address whose domain is an IP literal (RFC 5321 4.1.3) is one e-mail, as datatrove's pattern has it ("jane@" was left). */
    @Test
    void emailWithAnAddressLiteralForADomain() {
        var r = pii.redact("jane@[192.0.2.1] and bob@[IPv6:2001:db8::1], not jane@[999.0.2.1]");
        assertEquals("<EMAIL> and <EMAIL>, not jane@[999.0.2.1]", r.text());
        assertEquals(2, r.counts().get(PiiKind.EMAIL));
        assertEquals(0, r.counts().get(PiiKind.IPV4) + r.counts().get(PiiKind.IPV6));
    }

    /**
     * A long run of local-part characters is one scan: "a'" repeated overflowed java.util.regex's stack (one frame
     * per inner-apostrophe group), and "=a" repeated must not be retried from every letter.
     */
    @Test
    void longLocalPartLookalikesAreScannedOnce() {
        String text = "a'".repeat(200_000) + " " + "=a".repeat(100_000) + " and jane@example.org";
        var r = pii.redact(text);
        assertEquals(1, r.counts().get(PiiKind.EMAIL));
        assertTrue(r.text().endsWith(" and <EMAIL>"));
    }

    /** A number that goes on, or an area code no phone has, is not a phone number (".89" was left after the match). */
    @Test
    void phoneNumbersDoNotEndInsideLongerNumbers() {
        var r = pii.redact("id 555.123.4567.89, ratio 100.200.3000, call 555.123.4567.");
        assertEquals("id 555.123.4567.89, ratio 100.200.3000, call <PHONE_NUMBER>.", r.text());
        assertEquals(1, r.counts().get(PiiKind.PHONE));
    }

    /**
     * Code and numbers that look like the short forms: a Python slice {@code x[0::2]} passed as the address "0::2", and
     * a signed decimal (a change, a latitude) as an international phone number. A bracketed address in a URL still is one.
     */
    @Test
    void slicesAndSignedDecimalsAreNotAddressesOrPhones() {
        String text = "evens = x[0::2]; rev = s[10::3], m[a::b] and f()[1::2]. The index rose +0.12345678; delta +1234.5678; "
                + "at +40.712776, -74.005974.";
        assertEquals(text, pii.redact(text).text());
        var r = pii.redact("see http://[2001:db8::1]:8080/ or [fe80::1], call +44.20.7946.0958 or +33 1 23 45 67 89");
        assertEquals("see http://[<IP_ADDRESS>]:8080/ or [<IP_ADDRESS>], call <PHONE_NUMBER> or <PHONE_NUMBER>", r.text());
        assertEquals(2, r.counts().get(PiiKind.IPV6));
        assertEquals(2, r.counts().get(PiiKind.PHONE));
    }

    /** An internationalised top-level domain in its ASCII form (RFC 3490), as datatrove's pattern takes it. */
    @Test
    void emailWithAnInternationalisedTopLevelDomain() {
        var r = pii.redact("user@example.xn--p1ai and bob@xn--80ak6aa92e.com.");
        assertEquals("<EMAIL> and <EMAIL>.", r.text());
    }

    @Test
    void ipv6WithSevenGroupsAndDoubleColon() {
        var r = pii.redact("hosts 1:2:3:4:5:6:7:: and ::2:3:4:5:6:7:8 up");
        assertEquals("hosts <IP_ADDRESS> and <IP_ADDRESS> up", r.text());
        assertEquals(2, r.counts().get(PiiKind.IPV6));
    }

    /** A long dotted run after an '@' overflowed java.util.regex's stack (the domain's labels are bounded now). */
    @Test
    void aLongDottedRunIsNotAStackOverflow() {
        String text = "x@" + "b.".repeat(200_000) + "com and jane@example.org";
        var r = pii.redact(text);
        assertEquals(1, r.counts().get(PiiKind.EMAIL));
        assertTrue(r.text().endsWith("com and <EMAIL>"));
    }

    @Test
    void leavesLookalikesAlone() {
        String text = "Version 1.2.3.4.5, at 10:30:00 in 1999 2000 2001, std::vector, $1,000,000, 3.14159, "
                + "999.1.1.1, user@localhost, ISBN 978-3-16-148410-0.";
        var r = pii.redact(text);
        assertEquals(text, r.text());
        assertEquals(0, r.total());
    }

    @Test
    void configurableReplacementsAndKinds() {
        var onlyMail = new PiiRedactor(Map.of(PiiKind.EMAIL, "[redacted]"));
        var r = onlyMail.redact("a@b.io at 10.0.0.1");
        assertEquals("[redacted] at 10.0.0.1", r.text());
        assertFalse(r.counts().containsKey(PiiKind.IPV4));
        assertTrue(PiiRedactor.isIpv6("::ffff:192.0.2.128") && PiiRedactor.isIpv6("1:2:3:4:5:6:7:8"));
        assertFalse(PiiRedactor.isIpv6("1:2:3:4:5:6:7:8:9") || PiiRedactor.isIpv6("1::2::3") || PiiRedactor.isIpv6("12345::1"));
        assertEquals("", pii.redact("").text());
    }

    /** 230 years of speeches: print what is flagged (numbers of the speeches must not look like phones). */
    @Test
    void fewFalsePositivesOnSotu() {
        int total = 0;
        for (Document d : JsonlDocuments.read(SharedData.require("corpus/sotu.jsonl.gz"), "id", "text")) {
            var r = pii.redact(d.text());
            total += r.total();
        }
        System.out.println("PII matches in the State of the Union corpus: " + total);
        assertTrue(total <= 5, "suspicious number of PII matches in speeches: " + total);
    }
}
