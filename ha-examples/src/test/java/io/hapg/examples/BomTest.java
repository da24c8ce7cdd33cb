package io.hapg.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * The BOM has no parent (importing it must not bring hapg's build), so nothing but this test keeps
 * it in step with the build: every published module listed, at the parent's version.
 */
class BomTest {
    /** Modules that are programs or build plumbing, not libraries an application depends on. */
    private static final List<String> NOT_PUBLISHED = List.of("ha-bom", "ha-examples");

    @Test
    void theBomListsEveryPublishedModuleAtTheBuildsVersion() throws Exception {
        Path root = Path.of("..").toAbsolutePath().normalize();
        Element parent = read(root.resolve("pom.xml"));
        Element bom = read(root.resolve("ha-bom/pom.xml"));
        String version = child(parent, "version");

        assertThat(child(bom, "artifactId")).isEqualTo("hapg-bom");
        assertThat(child(bom, "version")).as("hapg-bom's version").isEqualTo(version);
        assertThat(bom.getElementsByTagName("parent").getLength()).as("hapg-bom has no parent").isZero();

        List<String> published = new ArrayList<>();
        NodeList modules = parent.getElementsByTagName("module");
        for (int i = 0; i < modules.getLength(); i++) {
            String module = modules.item(i).getTextContent().trim();
            if (!NOT_PUBLISHED.contains(module)) {
                published.add(child(read(root.resolve(module).resolve("pom.xml")), "artifactId"));
            }
        }
        Map<String, String> listed = new HashMap<>();
        NodeList deps = bom.getElementsByTagName("dependency");
        for (int i = 0; i < deps.getLength(); i++) {
            Element dep = (Element) deps.item(i);
            assertThat(child(dep, "groupId")).isEqualTo("io.hapg");
            listed.put(child(dep, "artifactId"), child(dep, "version"));
        }
        assertThat(listed.keySet()).containsExactlyInAnyOrderElementsOf(published);
        assertThat(listed.values()).allMatch(version::equals, "every entry at " + version);
    }

    private static Element read(Path pom) throws Exception {
        assertThat(pom).exists();
        var factory = DocumentBuilderFactory.newInstance();
        factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        return factory.newDocumentBuilder().parse(Files.newInputStream(pom)).getDocumentElement();
    }

    /** The text of a direct child element (not a nested one, such as the parent's version). */
    private static String child(Element element, String name) {
        NodeList children = element.getChildNodes();
        for (int i = 0; i < children.getLength(); i++) {
            if (children.item(i) instanceof Element e && e.getTagName().equals(name)) {
                return e.getTextContent().trim();
            }
        }
        throw new AssertionError(element.getTagName() + " has no <" + name + ">");
    }
}
