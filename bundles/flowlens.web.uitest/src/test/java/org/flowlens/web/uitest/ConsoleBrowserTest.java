package org.flowlens.web.uitest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.NoAlertPresentException;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;


/**
 * The console of the exported runtime jar in Debian's headless Chromium. The runtime runs as its
 * own process, as an operator starts it ({@code java -jar flowlens.jar} in a directory with
 * {@code config/} and {@code plugins/}), on a free loopback port; a realistic mix of flows, including
 * a hostile domain name, is ingested first (with the GeoLite2 data the build installs switched on, when
 * it is there). Every page must load with data and render its charts, the language switch must work,
 * hostile text must stay text, the map must colour the countries with traffic in both languages; the
 * first render of three pages is measured and printed; a screenshot of each page goes to
 * {@code target/screenshots}. Skipped with a message when Chromium, chromedriver or the runtime jar
 * is missing.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConsoleBrowserTest {
    private static final String[] PAGES = {"overview", "sessions", "ips", "ports", "trend", "alerts", "live", "map", "logs", "events", "collectors"};
    private FlowlensProcess flowlens;
    private ChromeDriver driver;
    private String base;
    private Path screenshots;
    private boolean geo;

    @BeforeAll
    void start() throws Exception {
        Assumptions.assumeTrue(new File("/usr/bin/chromium").canExecute() && new File("/usr/bin/chromedriver").canExecute(),
                "Chromium or chromedriver is not installed (apt-get install chromium chromium-driver); skipping the browser tests");
        flowlens = new FlowlensProcess("uitest");
        Path work = flowlens.work;
        // countries and cities for the map: the GeoLite2 data the build installs (used here as test data), switched on
        Path geoData = Paths.get(System.getProperty("flowlens.data", "../../data"), "geoip").toAbsolutePath();
        geo = Files.isRegularFile(geoData.resolve("GeoLite2-City.mmdb"));
        if (geo) {
            // (only data/geoip: the runtime's other data, such as its flow store, stays in the work directory)
            Files.createDirectories(work.resolve("data"));
            Files.createSymbolicLink(work.resolve("data/geoip"), geoData);
            Path geoCfg = work.resolve("config/flowlens.enrich.geoip.cfg");
            String text = Files.readString(geoCfg);
            assertTrue(text.contains("geoEnabled=B\"false\""), "the shipped GeoIP configuration has changed: " + geoCfg);
            Files.writeString(geoCfg, text.replace("geoEnabled=B\"false\"", "geoEnabled=B\"true\""));
        }
        flowlens.start();
        base = flowlens.base;
        flowlens.await("the aggregator", 60_000, () -> flowlens.status("/api/windows") == 200);
        if (geo) {
            // the GeoIP data loads in the background: a few flows until records come out with countries
            long[] probed = {0};
            flowlens.await("countries in /api/countries", 90_000, () -> {
                if (System.nanoTime() - probed[0] > TimeUnit.SECONDS.toNanos(3)) {
                    try {
                        assertEquals(200, flowlens.post("/ingest", Traffic.batch(20, 99).toString()).statusCode());
                    } catch (IOException | InterruptedException e) {
                        throw new AssertionError(e);
                    }
                    probed[0] = System.nanoTime();
                }
                return flowlens.get("/api/countries").contains("\"country\":\"US\"");
            });
        }
        if (flowlens.contains("flowlens.detect")) {
            flowlens.await("the port scan detector", 60_000, () -> flowlens.get("/api/alerts").contains("\"portscan\""));
            long[] sent = {0};
            flowlens.await("the port scan alert", 60_000, () -> {
                if (System.nanoTime() - sent[0] > TimeUnit.SECONDS.toNanos(10)) {
                    // (again if the detector was still starting when the first scan went by)
                    try {
                        assertEquals(200, flowlens.post("/ingest", Traffic.scan("10.66.6.6", "192.0.2.50").toString()).statusCode());
                    } catch (IOException | InterruptedException e) {
                        throw new AssertionError(e);
                    }
                    sent[0] = System.nanoTime();
                }
                return flowlens.get("/api/alerts").contains("10.66.6.6");
            });
        }
        // the traffic mix after the scan, so that the newest records (live feed, first log page) are the mix
        for (int i = 0; i < 6; i++) {
            HttpResponse<String> r = flowlens.post("/ingest", Traffic.batch(500, i).toString());
            assertEquals(200, r.statusCode(), r.body());
        }
        // a failed sign-in whose user name is hostile text: it lands in the events log
        flowlens.post("/api/auth/login", "{\"user\":" + new com.google.gson.Gson().toJson(Traffic.HOSTILE) + ",\"password\":\"x\"}");
        flowlens.await("hosts in /api/top_ips", 30_000, () -> flowlens.get("/api/top_ips").contains("\"address\""));

        screenshots = Paths.get(System.getProperty("flowlens.screenshots", "target/screenshots"));
        Files.createDirectories(screenshots);
        ChromeOptions options = new ChromeOptions();
        options.setBinary("/usr/bin/chromium");
        Path profile = Files.createTempDirectory(work, "chromium-profile");
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run", "--user-data-dir=" + profile, "--window-size=1400,1000", "--lang=zh-CN");
        options.setExperimentalOption("prefs", Map.of("intl.accept_languages", "zh-CN,zh"));
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(new File("/usr/bin/chromedriver")).usingAnyFreePort().build();
        driver = new ChromeDriver(service, options);
        driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(20));
    }

    @AfterAll
    void stop() throws Exception {
        if (driver != null) {
            driver.quit();
        }
        if (flowlens != null) {
            flowlens.stop();
        }
    }

    @Test
    @Order(1)
    void theConsoleFollowsTheBrowserLanguageAndSwitches() throws Exception {
        long t0 = System.nanoTime();
        driver.get(base + "/");
        page("overview");
        double firstRender = ((Number) js("return window.flowlensFirstRender")).doubleValue();
        double firstContent = ((Number) js("return window.flowlensFirstContent")).doubleValue();
        System.out.printf("first render of the overview: %.0f ms after navigation start, numbers and tables at %.0f ms (%d ms wall clock incl. redirect)%n",
                firstRender, firstContent, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
        System.out.println("  where the time went (start-end ms): " + js("const n = performance.getEntriesByType('navigation')[0];"
                + " return 'document ' + Math.round(n.responseEnd) + ', DOMContentLoaded ' + Math.round(n.domContentLoadedEventEnd) + ', '"
                + " + performance.getEntriesByType('resource').map(r => r.name.replace(location.origin, '') + ' ' + Math.round(r.startTime) + '-' + Math.round(r.responseEnd)).join(', ')"));
        assertEquals("概览", nav("overview"), "a browser asking for Chinese gets the Chinese console");
        shot("overview-zh-CN");
        driver.findElement(By.id("lang")).click();
        page("overview");
        assertEquals("Overview", nav("overview"));
        assertEquals("en", js("return document.documentElement.lang"));
        driver.navigate().refresh();
        page("overview");
        assertEquals("Overview", nav("overview"), "the choice is kept");
        for (String p : new String[] {"overview", "sessions", "map"}) {
            firstRenders(p, true);
            firstRenders(p, false);
        }
    }

    /**
     * Prints the first render of a page loaded anew five times, with the browser's cache emptied before
     * each load (a first visit: every file downloaded and compiled) or kept (a returning user).
     */
    private void firstRenders(String p, boolean emptyCache) {
        double[] ms = new double[5];
        double[] content = new double[5];
        for (int i = 0; i < ms.length; i++) {
            if (emptyCache) {
                driver.executeCdpCommand("Network.clearBrowserCache", Map.of());
            }
            driver.get(base + "/console/?load=" + i + "#/" + p);
            page(p);
            ms[i] = ((Number) js("return window.flowlensFirstRender")).doubleValue();
            content[i] = ((Number) js("return window.flowlensFirstContent")).doubleValue();
        }
        java.util.Arrays.sort(ms);
        java.util.Arrays.sort(content);
        System.out.printf("first render of %s, %s, 5 loads: min %.0f, median %.0f, max %.0f ms after navigation start (numbers and tables: median %.0f ms)%n", p,
                emptyCache ? "empty cache" : "cached", ms[0], ms[2], ms[4], content[2]);
    }

    @Test
    @Order(2)
    void everyPageLoadsWithDataAndRendersItsCharts() throws Exception {
        for (String p : PAGES) {
            driver.get(base + "/console/#/" + p);
            page(p);
            if (p.equals("live")) {
                // both feeds update the page: the flow log and the live sessions
                new WebDriverWait(driver, Duration.ofSeconds(30)).until(d -> !d.findElements(By.cssSelector("table.live tbody tr td a.ip")).isEmpty()
                        && !d.findElements(By.cssSelector("#page-live table.sessions tbody tr td a.ip")).isEmpty());
            }
            List<WebElement> charts = driver.findElements(By.cssSelector("#page-" + p + " .chart"));
            new WebDriverWait(driver, Duration.ofSeconds(20)).until(d -> charts.stream().allMatch(c -> "1".equals(c.getDomAttribute("data-rendered"))));
            for (WebElement c : charts) {
                assertTrue(c.findElements(By.tagName("canvas")).size() > 0, p + ": a chart has no canvas");
            }
            int rows = driver.findElements(By.cssSelector("#page-" + p + " tbody tr td")).size();
            String errors = String.join(" | ", driver.findElements(By.cssSelector("#page-" + p + " .error")).stream().map(WebElement::getText).toList());
            switch (p) {
                case "overview", "trend" -> assertFalse(charts.isEmpty(), p + ": no chart");
                case "alerts" -> assertTrue(rows > 0 || errors.contains("alert service"), p + ": neither alerts nor a clear message: " + errors);
                default -> assertTrue(rows > 1, p + ": no data rows; errors: " + errors);
            }
            if (!p.equals("alerts")) {
                assertTrue(errors.isEmpty(), p + ": " + errors);
            }
            shot(p);
            if (p.equals("alerts") && !driver.findElements(By.cssSelector("table.alerts-active button.ack")).isEmpty()) {
                // the open loopback console is an administrator: acknowledge the scan alert
                driver.findElement(By.cssSelector("table.alerts-active button.ack")).click();
                new WebDriverWait(driver, Duration.ofSeconds(20)).until(d -> flowlens.get("/api/alerts").contains("\"by\":\"anonymous\""));
                page("alerts");
                shot("alerts-acknowledged");
            }
        }
        driver.get(base + "/console/#/ip/10.0.1.5");
        page("ip");
        shot("ip-drill-down");
    }

    @Test
    @Order(3)
    void hostileTextFromTheNetworkIsShownAsText() throws Exception {
        for (String p : new String[] {"logs", "live", "events"}) {
            driver.get(base + "/console/#/" + p + (p.equals("logs") ? "?dst_port=" + Traffic.HOSTILE_PORT : ""));
            page(p);
            if (p.equals("live")) {
                // fresh records through the open feed (the 100 sent on connect may by now be traffic the capture saw)
                new WebDriverWait(driver, Duration.ofSeconds(20)).until(d -> !d.findElements(By.cssSelector("table.live tbody tr")).isEmpty());
                assertEquals(200, flowlens.post("/ingest", Traffic.batch(41, 7).toString()).statusCode());
                new WebDriverWait(driver, Duration.ofSeconds(20)).until(d -> (Boolean) js("return [...document.querySelectorAll('table.live td')].some(td => td.textContent.includes('<script>alert(1)'))"));
            }
            String shown = (String) js("for (const td of document.querySelectorAll('td')) { if (td.textContent.includes('<script>alert(1)')) return td.textContent; } return null;");
            assertTrue(shown != null && shown.contains("<script>alert(1)</script>\"'"), p + ": the hostile text is not shown as text: " + shown);
            String title = (String) js("for (const td of document.querySelectorAll('td[title]')) { if (td.getAttribute('title').startsWith('<script>')) return td.getAttribute('title'); } return null;");
            if (!p.equals("events")) {
                assertEquals(Traffic.HOSTILE, title, p + ": the full name is kept as the cell's title");
            }
            assertEquals(0L, js("return document.querySelectorAll('main img, main script').length"), p + ": markup from the network became elements");
            try {
                driver.switchTo().alert();
                throw new AssertionError(p + ": a script from the network ran");
            } catch (NoAlertPresentException expected) {
                // nothing ran
            }
            shot("hostile-" + p);
        }
    }

    @Test
    @Order(4)
    void theMapShowsTrafficByCountryInBothLanguages() throws Exception {
        for (String lang : new String[] {"zh-CN", "en"}) {
            driver.get(base + "/console/#/map");
            js("localStorage.setItem('flowlens.lang', '" + lang + "')");
            driver.navigate().refresh();
            page("map");
            assertEquals(lang, js("return document.documentElement.lang"));
            WebElement map = driver.findElement(By.cssSelector("#page-map .chart.world"));
            new WebDriverWait(driver, Duration.ofSeconds(20)).until(d -> "1".equals(map.getDomAttribute("data-rendered")));
            assertFalse(map.findElements(By.tagName("canvas")).isEmpty(), lang + ": the world map has no canvas");
            // the colour drawn at a point inside a country: Wyoming (US, away from the GeoIP centre of the US), Greenland, the open Atlantic
            String pixels = (String) js("const div = document.querySelector('#page-map .chart.world'); const c = echarts.getInstanceByDom(div);"
                    + " const cv = div.querySelector('canvas'); const k = cv.width / cv.clientWidth;"
                    + " const at = (lon, lat) => { const p = c.convertToPixel({ geoIndex: 0 }, [lon, lat]);"
                    + "   return Array.from(cv.getContext('2d').getImageData(Math.round(p[0] * k), Math.round(p[1] * k), 1, 1).data).join(','); };"
                    + " return [at(-107.5, 43), at(-42, 74), at(-30, 5), c.getOption().geo[0].itemStyle.areaColor].join(' ');");
            String[] px = pixels.split(" ");
            assertEquals("0,0,0,0", px[2], lang + ": the sea is drawn over: " + pixels);
            assertEquals(rgba(px[3]), px[1], lang + ": a country without traffic (Greenland) is not drawn in the plain land colour: " + pixels);
            if (geo) {
                String[] us = px[0].split(",");
                assertTrue(!px[0].equals(px[1]) && Integer.parseInt(us[2]) > Integer.parseInt(us[0]) + 40 && us[3].equals("255"),
                        lang + ": the United States, with traffic, is not coloured: " + pixels);
                String table = driver.findElement(By.cssSelector("#page-map table.countries")).getText();
                assertTrue(table.contains(lang.equals("en") ? "United States of America (US)" : "美国 (US)"), lang + ": country names: " + table);
                assertTrue(((Number) js("return echarts.getInstanceByDom(document.querySelector('#page-map .chart.world')).getOption().series[1].data.length")).intValue() > 0,
                        lang + ": no city points");
                // the tooltip of a country: its name in the page's language, bytes and flows
                String tip = (String) js("const o = echarts.getInstanceByDom(document.querySelector('#page-map .chart.world')).getOption();"
                        + " return o.tooltip[0].formatter({ seriesType: 'map', name: 'US', data: o.series[0].data.find(x => x.name === 'US') });");
                assertTrue(tip.matches(lang.equals("en") ? "(?s)United States of America\\nBytes: [0-9.]+ [KMG]?B\\nFlows: [0-9,]+" : "(?s)美国\\n字节: [0-9.]+ [KMG]?B\\n流数: [0-9,]+"),
                        lang + ": tooltip of the United States: " + tip);
            } else {
                assertEquals(rgba(px[3]), px[0], lang + ": without GeoIP data no country is coloured");
                assertFalse(driver.findElements(By.id("map-nodata")).isEmpty(), lang + ": no note that countries need the GeoIP data");
            }
            shot("map-" + lang);
        }
        Assumptions.assumeTrue(geo, "no GeoLite2 data in data/geoip (the build installs it with npm): the map was checked without countries");
    }

    @Test
    @Order(5)
    void staticFilesAreCompressedAndTheLibrariesCached() throws Exception {
        for (String path : new String[] {"/console/vendor/echarts.min.js", "/console/vendor/world/world.json", "/console/app.js"}) {
            HttpResponse<byte[]> plain = flowlens.send(HttpRequest.newBuilder(URI.create(base + path)).GET(), HttpResponse.BodyHandlers.ofByteArray());
            HttpResponse<byte[]> gz = flowlens.send(HttpRequest.newBuilder(URI.create(base + path)).header("Accept-Encoding", "gzip").GET(),
                    HttpResponse.BodyHandlers.ofByteArray());
            assertEquals(200, plain.statusCode(), path);
            assertEquals("gzip", gz.headers().firstValue("Content-Encoding").orElse(""), path + " is not compressed");
            assertTrue(gz.body().length < plain.body().length / 2, path + ": " + gz.body().length + " of " + plain.body().length + " bytes");
            String cache = gz.headers().firstValue("Cache-Control").orElse("");
            assertTrue(path.contains("/vendor/") ? cache.contains("max-age=") : cache.equals("no-cache"), path + ": Cache-Control " + cache);
            String etag = gz.headers().firstValue("ETag").orElseThrow();
            assertEquals(304, flowlens.send(HttpRequest.newBuilder(URI.create(base + path)).header("If-None-Match", etag).GET(),
                    HttpResponse.BodyHandlers.discarding()).statusCode(), path + ": not revalidated by its ETag");
            System.out.printf("%s: %d bytes, %d gzip-compressed, Cache-Control: %s%n", path, plain.body().length, gz.body().length, cache);
        }
    }

    /** "#rrggbb" as the canvas reports an opaque pixel: "r,g,b,255". */
    private static String rgba(String hex) {
        int v = Integer.parseInt(hex.substring(1), 16);
        return (v >> 16) + "," + ((v >> 8) & 0xff) + "," + (v & 0xff) + ",255";
    }

    private void page(String name) {
        new WebDriverWait(driver, Duration.ofSeconds(30)).until(d -> name.equals(js("return document.body.getAttribute('data-page')"))
                && "1".equals(js("return document.body.getAttribute('data-ready')")));
    }

    private String nav(String page) {
        return driver.findElement(By.cssSelector("nav a[data-nav='" + page + "']")).getText();
    }

    private Object js(String script) {
        return ((JavascriptExecutor) driver).executeScript(script);
    }

    private void shot(String name) throws IOException {
        File f = ((TakesScreenshot) driver).getScreenshotAs(OutputType.FILE);
        Files.copy(f.toPath(), screenshots.resolve(name + ".png"), StandardCopyOption.REPLACE_EXISTING);
    }

}
