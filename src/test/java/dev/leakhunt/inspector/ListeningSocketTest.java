package dev.leakhunt.inspector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.ByteOrder;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ListeningSocketTest {
    @BeforeAll
    static void littleEndian() {
        org.junit.jupiter.api.Assumptions.assumeTrue(ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN,
                "the rows below were printed by a little-endian kernel");
    }

    @Test
    void parsesIpv4ListenRow() {
        ListeningSocket socket = ListeningSocket.parseRow("   1: 0100007F:240D 00000000:0000 0A 00000000:00000000"
                + " 00:00000000 00000000  1000        0 4304 1 000000006055db54 100 0 0 10 0");
        assertEquals(new ListeningSocket("127.0.0.1", 9229, 4304), socket);
        assertEquals("127.0.0.1", socket.connectHost());
    }

    @Test
    void skipsHeaderAndOtherStates() {
        assertNull(ListeningSocket.parseRow("  sl  local_address rem_address   st tx_queue rx_queue tr tm->when"
                + " retrnsmt   uid  timeout inode"));
        assertNull(ListeningSocket.parseRow("   2: 0100007F:240D 0100007F:D5A2 01 00000000:00000000 00:00000000"
                + " 00000000     0        0 5120 1 0000000000000000 20 4 30 10 -1"));
    }

    @Test
    void decodesAddresses() {
        assertEquals("0.0.0.0", ListeningSocket.decodeAddress("00000000"));
        assertEquals("10.1.2.3", ListeningSocket.decodeAddress("0302010A"));
        assertEquals("::", ListeningSocket.decodeAddress("00000000000000000000000000000000"));
        assertEquals("::1", ListeningSocket.decodeAddress("00000000000000000000000001000000"));
        assertEquals("::ffff:127.0.0.1", ListeningSocket.decodeAddress("0000000000000000FFFF00000100007F"));
        assertEquals("fe80::1", ListeningSocket.decodeAddress("000080FE000000000000000001000000"));
        assertEquals("2001:db8:0:1::1", ListeningSocket.decodeAddress("B80D0120010000000000000001000000"));
        assertNull(ListeningSocket.decodeAddress("0100"));
    }

    @Test
    void wildcardsConnectOverLoopback() {
        assertEquals("127.0.0.1", new ListeningSocket("0.0.0.0", 1, 1).connectHost());
        assertEquals("::1", new ListeningSocket("::", 1, 1).connectHost());
        assertEquals("127.0.0.1", new ListeningSocket("::ffff:127.0.0.1", 1, 1).connectHost());
        assertEquals("[::1]:9229", new Endpoint("::1", 9229).authority());
    }
}
