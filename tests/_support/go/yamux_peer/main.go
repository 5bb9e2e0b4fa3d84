// yamux_peer is an independent yamux implementation (hashicorp/yamux) for interop tests.
//
//	yamux_peer server [flags]       listen on 127.0.0.1:0, print "listening PORT", serve one connection
//	yamux_peer client ADDR [flags]  connect to ADDR
//
// Either way it echoes every stream the other side opens (then half-closes), answers and sends
// keepalive pings, and with -open/-big opens streams of its own, checks each echo byte for byte
// and prints one result line. It exits when the session ends.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"math/rand"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/yamux"
)

func main() {
	if len(os.Args) < 2 {
		fail("usage: yamux_peer server|client [ADDR] [flags]")
	}
	role := os.Args[1]
	args := os.Args[2:]
	addr := ""
	if role == "client" {
		if len(args) < 1 {
			fail("client needs an address")
		}
		addr, args = args[0], args[1:]
	}
	flags := flag.NewFlagSet("yamux_peer", flag.ExitOnError)
	open := flags.Int("open", 0, "streams to open once the session runs")
	size := flags.Int("size", 1<<20, "bytes sent on each opened stream")
	big := flags.Int("big", 0, "bytes sent on one more stream (0 = none)")
	pings := flags.Int("pings", 0, "explicit pings to send")
	keepalive := flags.Duration("keepalive", 30*time.Second, "keepalive interval")
	flags.Parse(args)

	var conn net.Conn
	var err error
	if role == "server" {
		ln, lerr := net.Listen("tcp", "127.0.0.1:0")
		if lerr != nil {
			fail(lerr.Error())
		}
		fmt.Printf("listening %d\n", ln.Addr().(*net.TCPAddr).Port)
		conn, err = ln.Accept()
		ln.Close()
	} else {
		conn, err = net.Dial("tcp", addr)
	}
	if err != nil {
		fail(err.Error())
	}

	cfg := yamux.DefaultConfig()
	cfg.KeepAliveInterval = *keepalive
	cfg.ConnectionWriteTimeout = 5 * time.Second
	cfg.LogOutput = io.Discard // its warnings (e.g. a window update for a finished stream) are noise
	if os.Getenv("YAMUX_PEER_LOG") != "" {
		cfg.LogOutput = os.Stderr
	}
	var session *yamux.Session
	if role == "server" {
		session, err = yamux.Server(conn, cfg)
	} else {
		session, err = yamux.Client(conn, cfg)
	}
	if err != nil {
		fail(err.Error())
	}

	go func() {
		for {
			stream, err := session.AcceptStream()
			if err != nil {
				return
			}
			go func() {
				io.Copy(stream, stream)
				stream.Close() // half-close (FIN) in this yamux version
			}()
		}
	}()

	for i := 0; i < *pings; i++ {
		if _, err := session.Ping(); err != nil {
			fail("ping: " + err.Error())
		}
	}
	if *pings > 0 {
		fmt.Printf("pings ok %d\n", *pings)
	}

	if *open > 0 || *big > 0 {
		var wg sync.WaitGroup
		var bad int32
		run := func(seed int64, n int) {
			defer wg.Done()
			if err := roundTrip(session, seed, n); err != nil {
				fmt.Fprintf(os.Stderr, "stream %d: %v\n", seed, err)
				atomic.AddInt32(&bad, 1)
			}
		}
		for i := 0; i < *open; i++ {
			wg.Add(1)
			go run(int64(i), *size)
		}
		if *big > 0 {
			wg.Add(1)
			go run(-1, *big)
		}
		wg.Wait()
		if bad > 0 {
			fail(fmt.Sprintf("%d streams failed", bad))
		}
		fmt.Printf("opened ok %d\n", *open)
	}

	<-session.CloseChan()
	fmt.Println("session closed")
}

// roundTrip opens a stream, sends n seeded random bytes, checks the echo, then closes. It reads
// exactly n bytes before closing: in this yamux version Close is a half-close, but a Read after
// it returns EOF as soon as the receive buffer is momentarily empty.
func roundTrip(session *yamux.Session, seed int64, n int) error {
	stream, err := session.OpenStream()
	if err != nil {
		return err
	}
	data := make([]byte, n)
	rand.New(rand.NewSource(seed)).Read(data)
	sent := make(chan error, 1)
	go func() {
		_, err := stream.Write(data)
		sent <- err
	}()
	got := make([]byte, n)
	if _, err := io.ReadFull(stream, got); err != nil {
		return err
	}
	if err := <-sent; err != nil {
		return err
	}
	if err := stream.Close(); err != nil {
		return err
	}
	if !bytes.Equal(got, data) {
		return fmt.Errorf("echo differs")
	}
	return nil
}

func fail(message string) {
	fmt.Printf("error: %s\n", message)
	os.Exit(1)
}
