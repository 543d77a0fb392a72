package org.flowlens.web;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;

import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

/**
 * Salted PBKDF2-HMAC-SHA256 password hashes in the form
 * {@code pbkdf2-sha256$iterations$salt$hash} (salt and hash in base64), and SHA-256 digests of API
 * tokens (random, so a fast digest is enough).
 */
public final class PasswordHash {
    private static final String PREFIX = "pbkdf2-sha256";
    private static final int ITERATIONS = 120_000;
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final char[] ALPHABET = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789".toCharArray();

    private PasswordHash() {}

    public static String hash(String password) {
        byte[] salt = new byte[16];
        RANDOM.nextBytes(salt);
        return PREFIX + "$" + ITERATIONS + "$" + Base64.getEncoder().encodeToString(salt) + "$"
                + Base64.getEncoder().encodeToString(derive(password, salt, ITERATIONS));
    }

    public static boolean isHash(String text) {
        return text != null && text.startsWith(PREFIX + "$") && text.split("\\$").length == 4;
    }

    public static boolean matches(String password, String hash) {
        if (password == null || !isHash(hash)) {
            return false;
        }
        String[] parts = hash.split("\\$");
        int iterations;
        byte[] salt, expected;
        try {
            iterations = Integer.parseInt(parts[1]);
            salt = Base64.getDecoder().decode(parts[2]);
            expected = Base64.getDecoder().decode(parts[3]);
        } catch (IllegalArgumentException e) {
            return false;
        }
        if (iterations < 1 || iterations > 10_000_000) {
            return false;
        }
        return MessageDigest.isEqual(expected, derive(password, salt, iterations));
    }

    /** A random password of 20 characters that people can read and type. */
    public static String generate() {
        char[] c = new char[20];
        for (int i = 0; i < c.length; i++) {
            c[i] = ALPHABET[RANDOM.nextInt(ALPHABET.length)];
        }
        return new String(c);
    }

    /** A random API token: 32 bytes, URL-safe base64. */
    public static String generateToken() {
        byte[] b = new byte[32];
        RANDOM.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    /** Lower-case hex SHA-256 of the UTF-8 text: how API tokens are configured. */
    public static String sha256Hex(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] derive(String password, byte[] salt, int iterations) {
        try {
            PBEKeySpec spec = new PBEKeySpec(password.toCharArray(), salt, iterations, 256);
            return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).getEncoded();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("PBKDF2WithHmacSHA256 is missing from this Java runtime", e);
        }
    }

    /**
     * For the command line: {@code PasswordHash <password>} prints the hash of a password;
     * {@code PasswordHash --token <name> <role>} makes a new API token and prints it with its
     * configuration entry.
     */
    public static void main(String[] args) {
        if (args.length == 3 && args[0].equals("--token")) {
            String token = generateToken();
            System.out.println("token (give it to the script): " + token);
            System.out.println("tokens entry for flowlens.security: " + args[1] + ":" + Role.parse(args[2]).label() + ":" + sha256Hex(token));
            return;
        }
        if (args.length != 1) {
            System.err.println("usage: PasswordHash <password> | PasswordHash --token <name> <ingest|viewer|admin>");
            System.exit(2);
        }
        System.out.println(hash(args[0]));
    }
}
