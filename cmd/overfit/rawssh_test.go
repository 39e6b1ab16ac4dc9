package main

import (
	"bufio"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"io"
	"math/big"
	"net"
	"strings"
	"sync"

	gossh "golang.org/x/crypto/ssh"
)

// rawClient is a minimal hand-written SSH client (curve25519-sha256,
// aes128-ctr, hmac-sha2-256, "none" auth) for attacks x/crypto/ssh cannot
// make: it opens session channels with a receive window of its choosing,
// zero included, which is legal SSH and means "send me nothing yet". It
// answers the server's keepalives, as a live client does, and never
// adjusts its window. Test use only; it checks nothing about the server.
type rawClient struct {
	conn net.Conn
	br   *bufio.Reader

	wmu    sync.Mutex // one packet at a time
	wseq   uint32
	wcrypt cipher.Stream
	wmac   hash.Hash

	rseq   uint32
	rcrypt cipher.Stream
	rmac   hash.Hash

	mu     sync.Mutex
	opened map[uint32]chan uint32 // our channel id → the server's, on confirmation
	rids   map[uint32]uint32      // our channel id → the server's
	closed map[uint32]bool        // our channel ids the server closed
	acks   chan bool              // channel request replies, in order
	nextID uint32
	gone   chan struct{} // closed when the read loop ends
	err    error
}

const (
	msgKexInit       = 20
	msgNewKeys       = 21
	msgKexECDHInit   = 30
	msgKexECDHReply  = 31
	msgServiceReq    = 5
	msgServiceAccept = 6
	msgUserAuthReq   = 50
	msgUserAuthOK    = 52
	msgUserAuthFail  = 51
	msgUserAuthBann  = 53
	msgGlobalReq     = 80
	msgReqFailure    = 82
	msgChanOpen      = 90
	msgChanOpenOK    = 91
	msgChanOpenFail  = 92
	msgChanClose     = 97
	msgChanRequest   = 98
	msgChanSuccess   = 99
	msgChanFailure   = 100
)

// dialRaw finishes the handshake over conn as user and starts reading.
func dialRaw(conn net.Conn, user string) (*rawClient, error) {
	c := &rawClient{conn: conn, br: bufio.NewReader(conn), opened: map[uint32]chan uint32{},
		rids: map[uint32]uint32{}, closed: map[uint32]bool{}, acks: make(chan bool, 16), gone: make(chan struct{})}
	if err := c.handshake(user); err != nil {
		_ = conn.Close()
		return nil, err
	}
	go c.readLoop()
	return c, nil
}

func (c *rawClient) handshake(user string) error {
	const vc = "SSH-2.0-rawclient"
	if _, err := io.WriteString(c.conn, vc+"\r\n"); err != nil {
		return err
	}
	var vs string
	for {
		line, err := c.br.ReadString('\n')
		if err != nil {
			return fmt.Errorf("read server version: %w", err)
		}
		if strings.HasPrefix(line, "SSH-") {
			vs = strings.TrimRight(line, "\r\n")
			break
		}
	}
	kexInit := struct {
		Cookie                  [16]byte `sshtype:"20"`
		KexAlgos                []string
		HostKeyAlgos            []string
		CiphersClientServer     []string
		CiphersServerClient     []string
		MACsClientServer        []string
		MACsServerClient        []string
		CompressionClientServer []string
		CompressionServerClient []string
		LanguagesClientServer   []string
		LanguagesServerClient   []string
		FirstKexFollows         bool
		Reserved                uint32
	}{
		KexAlgos:                []string{"curve25519-sha256"},
		HostKeyAlgos:            []string{"ssh-ed25519"},
		CiphersClientServer:     []string{"aes128-ctr"},
		CiphersServerClient:     []string{"aes128-ctr"},
		MACsClientServer:        []string{"hmac-sha2-256"},
		MACsServerClient:        []string{"hmac-sha2-256"},
		CompressionClientServer: []string{"none"},
		CompressionServerClient: []string{"none"},
	}
	_, _ = rand.Read(kexInit.Cookie[:])
	ic := gossh.Marshal(&kexInit)
	if err := c.writePacket(ic); err != nil {
		return err
	}
	is, err := c.readPacket()
	if err != nil || len(is) == 0 || is[0] != msgKexInit {
		return fmt.Errorf("server kexinit: %v", err)
	}
	priv, err := ecdh.X25519().GenerateKey(rand.Reader)
	if err != nil {
		return err
	}
	qc := priv.PublicKey().Bytes()
	if err := c.writePacket(gossh.Marshal(&struct {
		Q []byte `sshtype:"30"`
	}{qc})); err != nil {
		return err
	}
	p, err := c.readPacket()
	if err != nil || len(p) == 0 || p[0] != msgKexECDHReply {
		return fmt.Errorf("kex reply: %v", err)
	}
	var reply struct {
		HostKey []byte `sshtype:"31"`
		Q       []byte
		Sig     []byte
	}
	if err := gossh.Unmarshal(p, &reply); err != nil {
		return fmt.Errorf("kex reply: %w", err)
	}
	peer, err := ecdh.X25519().NewPublicKey(reply.Q)
	if err != nil {
		return err
	}
	secret, err := priv.ECDH(peer)
	if err != nil {
		return err
	}
	k := mpint(secret)
	h := sha256.New()
	for _, s := range [][]byte{[]byte(vc), []byte(vs), ic, is, reply.HostKey, qc, reply.Q} {
		h.Write(sshString(s))
	}
	h.Write(k)
	sid := h.Sum(nil)
	derive := func(letter byte, n int) []byte {
		d := sha256.New()
		d.Write(k)
		d.Write(sid)
		d.Write([]byte{letter})
		d.Write(sid)
		return d.Sum(nil)[:n]
	}
	if err := c.writePacket([]byte{msgNewKeys}); err != nil {
		return err
	}
	if p, err := c.readPacket(); err != nil || len(p) == 0 || p[0] != msgNewKeys {
		return fmt.Errorf("newkeys: %v", err)
	}
	stream := func(key, iv []byte) cipher.Stream {
		b, _ := aes.NewCipher(key)
		return cipher.NewCTR(b, iv)
	}
	c.wcrypt, c.wmac = stream(derive('C', 16), derive('A', 16)), hmac.New(sha256.New, derive('E', 32))
	c.rcrypt, c.rmac = stream(derive('D', 16), derive('B', 16)), hmac.New(sha256.New, derive('F', 32))

	if err := c.writePacket(gossh.Marshal(&struct {
		Service string `sshtype:"5"`
	}{"ssh-userauth"})); err != nil {
		return err
	}
	if p, err := c.readPacket(); err != nil || len(p) == 0 || p[0] != msgServiceAccept {
		return fmt.Errorf("service accept: %v", err)
	}
	if err := c.writePacket(gossh.Marshal(&struct {
		User, Service, Method string `sshtype:"50"`
	}{user, "ssh-connection", "none"})); err != nil {
		return err
	}
	for {
		p, err := c.readPacket()
		if err != nil || len(p) == 0 {
			return fmt.Errorf("auth: %v", err)
		}
		switch p[0] {
		case msgUserAuthBann:
			continue
		case msgUserAuthOK:
			return nil
		default:
			return fmt.Errorf("auth refused (message %d)", p[0])
		}
	}
}

// openSession opens a session channel that grants the server window bytes
// and returns our id for it.
func (c *rawClient) openSession(window uint32) (uint32, error) {
	c.mu.Lock()
	id := c.nextID
	c.nextID++
	ok := make(chan uint32, 1)
	c.opened[id] = ok
	c.mu.Unlock()
	if err := c.writePacket(gossh.Marshal(&struct {
		Type                  string `sshtype:"90"`
		ID, Window, MaxPacket uint32
	}{"session", id, window, 1 << 15})); err != nil {
		return 0, err
	}
	select {
	case remote, open := <-ok:
		if !open {
			return 0, errors.New("channel open refused")
		}
		c.mu.Lock()
		delete(c.opened, id)
		c.rids[id] = remote
		c.mu.Unlock()
		return id, nil
	case <-c.gone:
		return 0, fmt.Errorf("connection gone: %v", c.err)
	}
}

// exec sends an exec request on channel id and waits for its reply.
func (c *rawClient) exec(id uint32, command string) (bool, error) {
	return c.request(id, "exec", gossh.Marshal(&struct{ Command string }{command}))
}

// pty asks for a w×h terminal on channel id and waits for the reply.
func (c *rawClient) pty(id uint32, w, h int) (bool, error) {
	return c.request(id, "pty-req", gossh.Marshal(&struct {
		Term               string
		Cols, Rows, PW, PH uint32
		Modes              string
	}{"xterm-256color", uint32(w), uint32(h), 0, 0, ""}))
}

// request sends a channel request with its type-specific payload and
// waits for the reply.
func (c *rawClient) request(id uint32, kind string, payload []byte) (bool, error) {
	c.mu.Lock()
	r := c.rids[id]
	c.mu.Unlock()
	msg := gossh.Marshal(&struct {
		Peer      uint32 `sshtype:"98"`
		Type      string
		WantReply bool
	}{r, kind, true})
	if err := c.writePacket(append(msg, payload...)); err != nil {
		return false, err
	}
	select {
	case ok := <-c.acks:
		return ok, nil
	case <-c.gone:
		return false, fmt.Errorf("connection gone: %v", c.err)
	}
}

// wait returns a channel closed when the server closed the connection.
func (c *rawClient) wait() <-chan struct{} { return c.gone }

// Close hangs up.
func (c *rawClient) Close() error { return c.conn.Close() }

// readLoop answers keepalives and records channel events until the
// connection ends. Channel data is never read into anything: with a zero
// window the server may not send any.
func (c *rawClient) readLoop() {
	defer close(c.gone)
	for {
		p, err := c.readPacket()
		if err != nil {
			c.err = err
			return
		}
		if len(p) == 0 {
			continue
		}
		switch p[0] {
		case msgGlobalReq:
			var g struct {
				Type      string `sshtype:"80"`
				WantReply bool
				Rest      []byte `ssh:"rest"`
			}
			if gossh.Unmarshal(p, &g) == nil && g.WantReply {
				_ = c.writePacket([]byte{msgReqFailure})
			}
		case msgChanOpenOK, msgChanOpenFail:
			if len(p) < 9 {
				continue
			}
			id := binary.BigEndian.Uint32(p[1:])
			c.mu.Lock()
			ch := c.opened[id]
			c.mu.Unlock()
			if ch != nil {
				if p[0] == msgChanOpenOK {
					ch <- binary.BigEndian.Uint32(p[5:])
				} else {
					close(ch)
				}
			}
		case msgChanSuccess, msgChanFailure:
			c.acks <- p[0] == msgChanSuccess
		case msgChanClose:
			if len(p) >= 5 {
				c.mu.Lock()
				c.closed[binary.BigEndian.Uint32(p[1:])] = true
				c.mu.Unlock()
			}
		}
	}
}

// writePacket frames, encrypts and MACs one packet.
func (c *rawClient) writePacket(payload []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	block := 8
	if c.wcrypt != nil {
		block = aes.BlockSize
	}
	pad := block - (5+len(payload))%block
	if pad < 4 {
		pad += block
	}
	pkt := make([]byte, 5+len(payload)+pad)
	binary.BigEndian.PutUint32(pkt, uint32(1+len(payload)+pad))
	pkt[4] = byte(pad)
	copy(pkt[5:], payload)
	_, _ = rand.Read(pkt[5+len(payload):])
	var mac []byte
	if c.wmac != nil {
		c.wmac.Reset()
		var seq [4]byte
		binary.BigEndian.PutUint32(seq[:], c.wseq)
		c.wmac.Write(seq[:])
		c.wmac.Write(pkt)
		mac = c.wmac.Sum(nil)
		c.wcrypt.XORKeyStream(pkt, pkt)
	}
	c.wseq++
	_, err := c.conn.Write(append(pkt, mac...))
	return err
}

// readPacket reads, decrypts and checks one packet and returns its payload.
func (c *rawClient) readPacket() ([]byte, error) {
	block := 8
	if c.rcrypt != nil {
		block = aes.BlockSize
	}
	first := make([]byte, block)
	if _, err := io.ReadFull(c.br, first); err != nil {
		return nil, err
	}
	if c.rcrypt != nil {
		c.rcrypt.XORKeyStream(first, first)
	}
	n := binary.BigEndian.Uint32(first)
	if n < 12 || n > 256<<10 || (4+n)%uint32(block) != 0 {
		return nil, fmt.Errorf("bad packet length %d", n)
	}
	pkt := make([]byte, 4+n)
	copy(pkt, first)
	if _, err := io.ReadFull(c.br, pkt[block:]); err != nil {
		return nil, err
	}
	if c.rcrypt != nil {
		c.rcrypt.XORKeyStream(pkt[block:], pkt[block:])
		mac := make([]byte, c.rmac.Size())
		if _, err := io.ReadFull(c.br, mac); err != nil {
			return nil, err
		}
		c.rmac.Reset()
		var seq [4]byte
		binary.BigEndian.PutUint32(seq[:], c.rseq)
		c.rmac.Write(seq[:])
		c.rmac.Write(pkt)
		if !hmac.Equal(mac, c.rmac.Sum(nil)) {
			return nil, errors.New("bad mac")
		}
	}
	c.rseq++
	pad := int(pkt[4])
	if 5+pad > len(pkt) {
		return nil, errors.New("bad padding")
	}
	return pkt[5 : len(pkt)-pad], nil
}

// sshString is b with its uint32 length in front.
func sshString(b []byte) []byte {
	out := binary.BigEndian.AppendUint32(nil, uint32(len(b)))
	return append(out, b...)
}

// mpint encodes an unsigned big-endian number as an SSH mpint.
func mpint(b []byte) []byte {
	v := new(big.Int).SetBytes(b).Bytes()
	if len(v) > 0 && v[0]&0x80 != 0 {
		v = append([]byte{0}, v...)
	}
	return sshString(v)
}
