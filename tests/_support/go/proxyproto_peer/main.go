// proxyproto_peer is an independent PROXY protocol implementation (pires/go-proxyproto) for
// interop tests.
//
//	proxyproto_peer accept
//	    listen on 127.0.0.1:0, print "listening PORT"; for each connection (one at a time)
//	    parse its PROXY header, read the payload to EOF and print one line:
//	    "header version=V command=PROXY|LOCAL transport=T source=A destination=A payload=P"
//	    or "rejected: ERROR"
//	proxyproto_peer send ADDR VERSION SOURCE DESTINATION PAYLOAD [AUTHORITY]
//	    connect to ADDR, send a header (SOURCE "local" = a v2 LOCAL header) with an optional
//	    v2 authority TLV, then PAYLOAD; half-close, wait for EOF, print "sent"
package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"

	proxyproto "github.com/pires/go-proxyproto"
)

func main() {
	if len(os.Args) < 2 {
		fail("usage: proxyproto_peer accept | send ADDR VERSION SOURCE DESTINATION PAYLOAD")
	}
	switch os.Args[1] {
	case "accept":
		accept()
	case "send":
		if len(os.Args) < 7 {
			fail("send needs ADDR VERSION SOURCE DESTINATION PAYLOAD")
		}
		authority := ""
		if len(os.Args) > 7 {
			authority = os.Args[7]
		}
		send(os.Args[2], os.Args[3], os.Args[4], os.Args[5], os.Args[6], authority)
	default:
		fail("unknown mode " + os.Args[1])
	}
}

func accept() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fail(err.Error())
	}
	fmt.Printf("listening %d\n", ln.Addr().(*net.TCPAddr).Port)
	for {
		conn, err := ln.Accept()
		if err != nil {
			fail(err.Error())
		}
		serve(conn)
	}
}

func serve(conn net.Conn) {
	defer conn.Close()
	reader := bufio.NewReader(conn)
	header, err := proxyproto.Read(reader)
	if err != nil {
		fmt.Printf("rejected: %v\n", err)
		return
	}
	payload, err := io.ReadAll(reader)
	if err != nil {
		fmt.Printf("rejected: reading the payload: %v\n", err)
		return
	}
	command := "PROXY"
	if header.Command.IsLocal() {
		command = "LOCAL"
	}
	fmt.Printf("header version=%d command=%s transport=%s source=%v destination=%v payload=%s\n",
		header.Version, command, transport(header.TransportProtocol), header.SourceAddr,
		header.DestinationAddr, payload)
}

func transport(t proxyproto.AddressFamilyAndProtocol) string {
	switch t {
	case proxyproto.TCPv4:
		return "TCPv4"
	case proxyproto.TCPv6:
		return "TCPv6"
	case proxyproto.UDPv4:
		return "UDPv4"
	case proxyproto.UDPv6:
		return "UDPv6"
	case proxyproto.UNSPEC:
		return "UNSPEC"
	}
	return fmt.Sprintf("0x%02x", byte(t))
}

func send(addr, version, source, destination, payload, authority string) {
	v, err := strconv.Atoi(version)
	if err != nil {
		fail("bad version " + version)
	}
	var header *proxyproto.Header
	if source == "local" {
		header = &proxyproto.Header{Version: 2, Command: proxyproto.LOCAL, TransportProtocol: proxyproto.UNSPEC}
	} else {
		src, err := net.ResolveTCPAddr("tcp", source)
		if err != nil {
			fail(err.Error())
		}
		dst, err := net.ResolveTCPAddr("tcp", destination)
		if err != nil {
			fail(err.Error())
		}
		header = proxyproto.HeaderProxyFromAddrs(byte(v), src, dst)
	}
	if authority != "" {
		err := header.SetTLVs([]proxyproto.TLV{{Type: proxyproto.PP2_TYPE_AUTHORITY, Value: []byte(authority)}})
		if err != nil {
			fail(err.Error())
		}
	}
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		fail(err.Error())
	}
	defer conn.Close()
	if _, err := header.WriteTo(conn); err != nil {
		fail(err.Error())
	}
	if _, err := conn.Write([]byte(payload)); err != nil {
		fail(err.Error())
	}
	conn.(*net.TCPConn).CloseWrite()
	io.Copy(io.Discard, conn)
	fmt.Println("sent")
}

func fail(message string) {
	fmt.Printf("error: %s\n", message)
	os.Exit(1)
}
