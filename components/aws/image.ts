import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import * as dockerBuild from "@pulumi/docker-build";
import { z } from "zod";
import { anyInput, argProblems, argsError, input, throwIfProblems } from "../arg-schema";
import { pinnedImageSchema } from "./args-schema";
import { dnsLabelProblem } from "./validate";

const TYPE = "faktory-ha:aws:Image";

export interface ImageArgs {
  /**
   * A prebuilt image to use instead of building one: `name:tag` (not `latest`) or `name@sha256:…`.
   * Then the component creates nothing and `imageRef` is this value.
   * @default undefined (build and push to a new ECR repository)
   */
  readonly image?: string;
  /**
   * Base Faktory image, passed as build arg `FAKTORY_IMAGE` (e.g. the Enterprise image). Required
   * when building.
   * @default undefined
   */
  readonly faktoryImage?: pulumi.Input<string>;
  /**
   * Tag for the pushed image. The repository's tags are immutable, so use a value unique per build
   * (e.g. the git commit); `imageRef` pins the digest anyway. Required when building.
   * @default undefined
   */
  readonly tag?: pulumi.Input<string>;
  /**
   * Build context directory, relative to the working directory of `pulumi up`.
   * @default "." (the repository root, where Pulumi.yaml lives)
   */
  readonly context?: pulumi.Input<string>;
  /**
   * Dockerfile path, relative to the working directory of `pulumi up`.
   * @default "supervisor/Dockerfile"
   */
  readonly dockerfile?: pulumi.Input<string>;
  /**
   * Target platforms. EKS nodes default to x86_64.
   * @default ["linux/amd64"]
   */
  readonly platforms?: pulumi.Input<pulumi.Input<dockerBuild.Platform>[]>;
  /**
   * KMS key for the repository's encryption.
   * @default undefined (AES256 with an AWS-owned key)
   */
  readonly kmsKeyArn?: pulumi.Input<string>;
  /**
   * Let `pulumi destroy` delete the repository while it still holds images.
   * @default false
   */
  readonly forceDelete?: pulumi.Input<boolean>;
  /**
   * Tags for every AWS resource the component creates.
   * @default {}
   */
  readonly tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/**
 * The faktory-ha image (Faktory plus the supervisor), built with BuildKit and pushed to a private
 * ECR repository, or a prebuilt image passed through. `imageRef` is always an exact reference.
 */
export class Image extends pulumi.ComponentResource {
  /** Digest-pinned `repository@sha256:…` for a build; the given reference for a prebuilt image. */
  public readonly imageRef: pulumi.Output<string>;
  /** The ECR repository URL; undefined for a prebuilt image. */
  public readonly repositoryUrl: pulumi.Output<string | undefined>;

  constructor(name: string, args: ImageArgs, opts?: pulumi.ComponentResourceOptions) {
    const build = validateImageArgs(name, args);
    const context = args.context ?? ".";
    const dockerfile = args.dockerfile ?? "supervisor/Dockerfile";
    const platforms = args.platforms ?? [dockerBuild.Platform.Linux_amd64];
    const forceDelete = args.forceDelete ?? false;
    const tags = args.tags ?? {};

    super(TYPE, name, {}, opts);

    if ("prebuilt" in build) {
      this.imageRef = pulumi.output(build.prebuilt);
      this.repositoryUrl = pulumi.output(undefined);
      this.registerOutputs({ imageRef: this.imageRef });
      return;
    }

    const parent = { parent: this };
    const repository = new aws.ecr.Repository(
      `${name}-repo`,
      {
        imageTagMutability: "IMMUTABLE",
        imageScanningConfiguration: { scanOnPush: true },
        encryptionConfigurations: [
          args.kmsKeyArn === undefined
            ? { encryptionType: "AES256" }
            : { encryptionType: "KMS", kmsKey: args.kmsKeyArn },
        ],
        forceDelete,
        tags,
      },
      parent,
    );
    const credentials = aws.ecr.getAuthorizationTokenOutput({ registryId: repository.registryId }, parent);
    const image = new dockerBuild.Image(
      `${name}-image`,
      {
        context: { location: context },
        dockerfile: { location: dockerfile },
        buildArgs: { FAKTORY_IMAGE: build.faktoryImage },
        platforms,
        push: true,
        tags: [pulumi.interpolate`${repository.repositoryUrl}:${build.tag}`],
        registries: [
          {
            address: repository.repositoryUrl,
            username: credentials.userName,
            password: pulumi.secret(credentials.password),
          },
        ],
      },
      parent,
    );

    this.repositoryUrl = repository.repositoryUrl;
    this.imageRef = pulumi.interpolate`${repository.repositoryUrl}@${image.digest}`;
    this.registerOutputs({ imageRef: this.imageRef, repositoryUrl: this.repositoryUrl });
  }
}

const imageArgsShape = {
  image: pinnedImageSchema.optional(),
  faktoryImage: input(z.string({ message: "must be an image reference" })),
  tag: input(z.string({ message: "must be an image tag" })),
  context: anyInput,
  dockerfile: anyInput,
  platforms: anyInput,
  kmsKeyArn: anyInput,
  forceDelete: anyInput,
  tags: anyInput,
} satisfies Record<keyof ImageArgs, z.ZodType>; // every arg of the interface, and no other
const imageArgsSchema = z.object(imageArgsShape).strict();
const BUILD_ONLY = [
  "faktoryImage",
  "tag",
  "context",
  "dockerfile",
  "platforms",
  "kmsKeyArn",
  "forceDelete",
] as const;

/** The prebuilt image, or the base image and tag to build from; throws one error listing every problem. */
function validateImageArgs(
  name: string,
  args: ImageArgs,
): { prebuilt: string } | { faktoryImage: pulumi.Input<string>; tag: pulumi.Input<string> } {
  const problems = argProblems(imageArgsSchema, args);
  if (args.image !== undefined) {
    const buildArgs = BUILD_ONLY.filter((k) => args[k] !== undefined);
    if (buildArgs.length > 0) {
      problems.push(`${buildArgs.join(", ")} cannot be combined with image (a prebuilt image)`);
    }
    throwIfProblems(TYPE, name, problems);
    return { prebuilt: args.image };
  }
  // The ECR repository is autonamed from the component name; ECR accepts lowercase names only.
  const nameProblem = dnsLabelProblem(name, 200);
  if (nameProblem !== undefined) problems.unshift(nameProblem);
  const { faktoryImage, tag } = args;
  if (faktoryImage === undefined || tag === undefined) {
    const missing = [faktoryImage === undefined ? "faktoryImage" : [], tag === undefined ? "tag" : []].flat();
    problems.push(`${missing.join(" and ")} required to build the image (or give a prebuilt image)`);
    throw argsError(TYPE, name, problems);
  }
  throwIfProblems(TYPE, name, problems);
  return { faktoryImage, tag };
}
