import { describe, expect, it } from "vitest";
import { containsSecret, setupMocks, unwrapSecrets, valueOf } from "../../support/pulumi-mocks";
import { Image, ImageArgs } from "../../../components/aws/image";
import { errorOf, inventory, settle } from "./helpers";

const runtime = setupMocks();
const TYPE = "faktory-ha:aws:Image";
const REPO = "123456789012.dkr.ecr.us-east-1.amazonaws.com/ha-repo";

describe("Image", () => {
  it("builds the supervisor image and pushes it to an immutable, scanned, encrypted ECR repository", async () => {
    const image = new Image("ha", { faktoryImage: "contribsys/faktory-ent:1.9.3", tag: "abc1234" });
    const [ref, url] = await Promise.all([valueOf(image.imageRef), valueOf(image.repositoryUrl)]);
    await settle(runtime);

    expect(ref).toBe(`${REPO}@sha256:${"a".repeat(64)}`);
    expect(url).toBe(REPO);
    expect(inventory(runtime, "ha")).toEqual(
      [`${TYPE} ha`, "aws:ecr/repository:Repository ha-repo", "docker-build:index:Image ha-image"].sort(),
    );
    for (const name of ["ha-repo", "ha-image"]) {
      expect(runtime.resources.find((r) => r.name === name)?.parentType).toBe(TYPE);
    }

    expect(runtime.one("aws:ecr/repository:Repository", "ha-repo").inputs).toMatchObject({
      imageTagMutability: "IMMUTABLE",
      imageScanningConfiguration: { scanOnPush: true },
      encryptionConfigurations: [{ encryptionType: "AES256" }],
      forceDelete: false,
    });

    const build = runtime.one("docker-build:index:Image", "ha-image").inputs;
    expect(containsSecret(build.registries)).toBe(true);
    expect(unwrapSecrets(build)).toMatchObject({
      context: { location: "." },
      dockerfile: { location: "supervisor/Dockerfile" },
      buildArgs: { FAKTORY_IMAGE: "contribsys/faktory-ent:1.9.3" },
      platforms: ["linux/amd64"],
      push: true,
      tags: [`${REPO}:abc1234`],
      registries: [{ address: REPO, username: "AWS", password: "mock-ecr-password" }],
    });
  });

  it("uses a KMS key and the given build paths", async () => {
    const image = new Image("custom", {
      faktoryImage: "contribsys/faktory:1.9.3",
      tag: "v2",
      context: "build",
      dockerfile: "build/Dockerfile.ha",
      kmsKeyArn: "arn:aws:kms:us-east-1:123456789012:key/k",
      forceDelete: true,
    });
    await valueOf(image.imageRef);
    await settle(runtime);
    expect(runtime.one("aws:ecr/repository:Repository", "custom-repo").inputs).toMatchObject({
      encryptionConfigurations: [
        { encryptionType: "KMS", kmsKey: "arn:aws:kms:us-east-1:123456789012:key/k" },
      ],
      forceDelete: true,
    });
    expect(runtime.one("docker-build:index:Image", "custom-image").inputs).toMatchObject({
      context: { location: "build" },
      dockerfile: { location: "build/Dockerfile.ha" },
    });
  });

  it.each([
    "registry.example.com/faktory-ha:1.2.3",
    `registry.example.com/faktory-ha@sha256:${"b".repeat(64)}`,
  ])("a prebuilt image %s creates nothing and is passed through", async (ref) => {
    const name = ref.includes("@") ? "prebuilt-digest" : "prebuilt-tag";
    const image = new Image(name, { image: ref });
    expect(await valueOf(image.imageRef)).toBe(ref);
    expect(await valueOf(image.repositoryUrl)).toBeUndefined();
    await settle(runtime);
    expect(inventory(runtime, name)).toEqual([`${TYPE} ${name}`]);
  });

  it.each([
    [
      { image: "registry.example.com/faktory-ha" },
      'Image "bad": image="registry.example.com/faktory-ha" must be a pinned image reference: it has neither a tag nor a digest',
    ],
    [
      { image: "registry.example.com/faktory-ha:latest" },
      'Image "bad": image="registry.example.com/faktory-ha:latest" must be a pinned image reference: it uses the floating tag "latest"; pin a version tag or a digest',
    ],
    [
      { image: "faktory-ha@sha256:123" },
      'Image "bad": image="faktory-ha@sha256:123" must be a pinned image reference: it has a malformed digest (expected name@sha256:<64 hex characters>)',
    ],
    [
      { image: "faktory-ha:1", faktoryImage: "x:1", tag: "t" },
      'Image "bad": faktoryImage, tag cannot be combined with image (a prebuilt image)',
    ],
    [{}, 'Image "bad": faktoryImage and tag required to build the image (or give a prebuilt image)'],
    [
      { faktoryImage: "contribsys/faktory:1.9.3" },
      'Image "bad": tag required to build the image (or give a prebuilt image)',
    ],
  ] as [ImageArgs, string][])("refuses %j before creating anything", async (args, message) => {
    expect(errorOf(() => new Image("bad", args))).toBe(message);
    await settle(runtime);
    expect(inventory(runtime, "bad")).toEqual([]);
  });

  it("refuses a name ECR cannot use", () => {
    expect(errorOf(() => new Image("HA", { faktoryImage: "f:1", tag: "t" }))).toBe(
      'Image "HA": name="HA" must be lowercase letters, digits and single hyphens, start with a letter, ' +
        "and be at most 200 characters: AWS resource names are built from it",
    );
  });

  it("reports every problem at once, an unknown arg with the one meant", () => {
    expect(errorOf(() => new Image("HA", { faktoryImage: "f:1", tags: {}, tg: "t" } as never))).toBe(
      'Image "HA": name="HA" must be lowercase letters, digits and single hyphens, start with a letter, ' +
        'and be at most 200 characters: AWS resource names are built from it; tg is not a known arg; did you mean "tag"?; ' +
        "tag required to build the image (or give a prebuilt image)",
    );
  });

  it("answered every invoke it made (the ECR token)", () => {
    expect(runtime.unknownCalls).toEqual([]);
  });
});
